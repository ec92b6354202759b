# Shared settings and helpers for the setup scripts. Sourced, never run.
# Every knob is an environment variable with a default that works on a fresh machine.
#
#   CHUB_HOME    where the suite keeps its virtualenv, Odoo source cache and config
#                (default /opt/construction-hub; the interpreter is /opt/construction-hub/venv/bin/python)
#   ODOO_SOURCE  Odoo 18.0 Community: a source tree, a .tar.gz of one, or a URL of one
#                (default: upstream's 18.0 nightly source tarball)
#   PGHOST PGPORT PGUSER   PostgreSQL (default 127.0.0.1, 5432, the current user)
#   CHUB_DB      database of the running instance (default construction_hub)
#   CHUB_HTTP_PORT  Odoo's HTTP port (default 8069)

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHUB_HOME=${CHUB_HOME:-/opt/construction-hub}
VENV=${CHUB_VENV:-$CHUB_HOME/venv}
PY=$VENV/bin/python
ODOO_SOURCE_DEFAULT=https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz
export PGHOST=${PGHOST:-127.0.0.1}
export PGPORT=${PGPORT:-5432}
export PGUSER=${PGUSER:-$(id -un)}
CHUB_DB=${CHUB_DB:-construction_hub}
CHUB_HTTP_PORT=${CHUB_HTTP_PORT:-8069}
SUITE_ADDONS=integration_queue,construction_project_sync,equipment_costing,ap_matching

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() {
    printf '\033[31m[setup] cannot continue:\033[0m %s\n' "$*" >&2
    exit 1
}

# Odoo refuses the "postgres" role; a machine where we run as root usually has a
# "root" role (trust auth). Say so plainly instead of letting Odoo print a traceback.
ensure_postgres() {
    command -v pg_isready >/dev/null || die "pg_isready not found: install the PostgreSQL client (Debian: postgresql-client)."
    if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
        if [ "$PGHOST" = 127.0.0.1 ] && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
            local ver
            ver=$(ls /etc/postgresql | sort -V | tail -n1)
            say "PostgreSQL is down; starting cluster $ver/main"
            pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
            for _ in $(seq 1 20); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 0.5; done
        fi
        pg_isready -q -h "$PGHOST" -p "$PGPORT" ||
            die "PostgreSQL does not answer on $PGHOST:$PGPORT and could not be started here. Start it, or set PGHOST/PGPORT."
    fi
    [ "$PGUSER" != postgres ] || die "Odoo refuses to run as the 'postgres' role; set PGUSER to another role."
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -Atc 'select 1' >/dev/null 2>&1 ||
        die "PostgreSQL answers but role '$PGUSER' cannot log in (create it: createuser -s $PGUSER)."
}

# write_config FILE [extra [options] lines...]: an Odoo config bound to loopback, no
# database manager.
write_config() {
    local file=$1
    shift
    mkdir -p "$(dirname "$file")"
    {
        echo "[options]"
        echo "addons_path = $REPO_DIR/addons"
        echo "data_dir = ${CHUB_DATA_DIR:-$CHUB_HOME/data}"
        echo "db_host = $PGHOST"
        echo "db_port = $PGPORT"
        echo "db_user = $PGUSER"
        echo "http_interface = 127.0.0.1"
        echo "http_port = $CHUB_HTTP_PORT"
        echo "list_db = False"
        echo "server_wide_modules = base,web,queue_job,integration_queue"
        echo "without_demo = False"
        for line in "$@"; do echo "$line"; done
        echo "[queue_job]"
        echo "channels = root:2"
    } >"$file"
}

db_has_suite() {
    psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$1" -Atc \
        "select count(*) from ir_module_module where state='installed' and name = any(string_to_array('$SUITE_ADDONS', ','))" \
        2>/dev/null | grep -qx 4
}
