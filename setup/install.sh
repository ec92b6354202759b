#!/usr/bin/env bash
# Installs Odoo 18.0 Community and the suite's Python requirements into $CHUB_HOME/venv.
# Idempotent: when everything is in place it checks and returns in seconds.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Python 3.10–3.12: the range Odoo 18's requirements pin wheels for.
BASE_PY=${CHUB_PYTHON:-python3}
command -v "$BASE_PY" >/dev/null || die "no $BASE_PY found: Odoo 18 needs Python 3.10-3.12 (set CHUB_PYTHON)."
"$BASE_PY" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))' ||
    die "$("$BASE_PY" -V 2>&1) found; Odoo 18 needs Python 3.10-3.12 (set CHUB_PYTHON to one)."

mkdir -p "$CHUB_HOME" || die "cannot create $CHUB_HOME (set CHUB_HOME to a writable folder)."
[ -x "$PY" ] || { say "creating virtualenv $VENV"; "$BASE_PY" -m venv "$VENV"; }

# cbor2 5.4.2 (pinned by Odoo) builds from source with setuptools' pkg_resources, gone in
# setuptools 81; gevent (prefork workers) imports it at run time too. PIP_CONSTRAINT reaches
# pip's isolated build environments, a -c option would not.
CONSTRAINTS=$CHUB_HOME/constraints.txt
echo 'setuptools<81' >"$CONSTRAINTS"
export PIP_CONSTRAINT=$CONSTRAINTS PIP_DISABLE_PIP_VERSION_CHECK=1
pip_install() { "$PY" -m pip install -q "$@"; }

# odoo.cli too: a broken editable install imports odoo but not its subpackages
odoo_ok() { "$PY" -c 'import odoo.cli, odoo.release as r, sys; sys.exit(r.series != "18.0")' 2>/dev/null; }

# Where the Odoo tree came from, for the editable install: it must stay where it is.
resolve_source() {
    local src=${ODOO_SOURCE:-$ODOO_SOURCE_DEFAULT} dest=$CHUB_HOME/odoo-src archive
    if [ -d "$src" ]; then
        [ -f "$src/setup.py" ] && [ -f "$src/odoo/release.py" ] ||
            die "ODOO_SOURCE=$src is a folder but not an Odoo source tree (no setup.py and odoo/release.py)."
        ODOO_TREE=$(cd "$src" && pwd)
        return
    fi
    if [[ "$src" =~ ^https?:// ]]; then
        archive=$CHUB_HOME/odoo-18.0-src.tar.gz
        say "downloading Odoo 18.0 source from $src"
        curl -fL --retry 2 -o "$archive.part" "$src" 2>/dev/null && mv "$archive.part" "$archive" ||
            die "could not download Odoo from $src. Set ODOO_SOURCE to a local Odoo 18.0 source tree or tarball."
    elif [ -f "$src" ]; then
        archive=$src
    else
        die "ODOO_SOURCE=$src is neither a folder, a file nor a URL."
    fi
    say "extracting $archive into $dest"
    rm -rf "$dest" && mkdir -p "$dest"
    tar -xzf "$archive" -C "$dest" --strip-components=1 || die "$archive is not a readable .tar.gz."
    [ -f "$dest/odoo/release.py" ] || die "$archive does not hold an Odoo source tree."
    ODOO_TREE=$dest
}

if odoo_ok; then
    say "Odoo $("$PY" -c 'import odoo.release as r; print(r.version)') already installed in $VENV"
else
    resolve_source
    grep -q "^version_info = (18, 0" "$ODOO_TREE/odoo/release.py" || die "$ODOO_TREE is not Odoo 18.0."
    say "installing Odoo's requirements (a few minutes the first time)"
    pip_install 'setuptools>=75,<81' wheel
    # python-ldap only serves auth_ldap and needs libldap headers to build: left out.
    grep -v '^python-ldap' "$ODOO_TREE/requirements.txt" >"$CHUB_HOME/odoo-requirements.txt"
    pip_install -r "$CHUB_HOME/odoo-requirements.txt" || die "Odoo's requirements failed to install (see pip's message above)."
    # compat mode: plain editable installs break once odoo-addon-* wheels share the odoo
    # namespace ("module 'odoo' has no attribute 'cli'"). --use-pep517: without it pip
    # takes setuptools' legacy develop path and silently ignores the compat setting.
    pip_install --no-deps --use-pep517 -e "$ODOO_TREE" --config-settings editable_mode=compat
    odoo_ok || die "Odoo was installed but does not import from $VENV."
fi

# The suite's own requirements; the stamp makes a re-run skip pip entirely.
STAMP=$VENV/.chub-requirements.sha
want=$(sha256sum "$REPO_DIR/requirements.txt" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
    say "installing the suite's requirements"
    pip_install -r "$REPO_DIR/requirements.txt" || die "the suite's requirements failed to install."
    echo "$want" >"$STAMP"
fi

# Printed documents (pay applications, change orders, job cost) are PDFs made by
# wkhtmltopdf; without it Odoo prints HTML only. Installed from the system's
# packages where we may, never required: the tests render HTML either way.
if ! command -v wkhtmltopdf >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing wkhtmltopdf from the system's packages (PDF printing)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wkhtmltopdf >/dev/null; } ||
        say "apt-get could not install wkhtmltopdf: documents print as HTML only."
fi
say "ready: $PY"
