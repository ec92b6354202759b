#!/usr/bin/env bash
# The suite's test command: a fresh database with the four addons, every test
# (TransactionCase, HttpCase over real HTTP, browser tours in Chromium, plain pytest),
# then the lint. Fails if any test is skipped or none ran.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$REPO_DIR/setup/install.sh"
ensure_postgres
have_browser() { command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; }
if ! have_browser && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Chromium from the system's packages (browser tours need it)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
        die "apt-get could not install chromium (see its message above)."
fi
have_browser || die "no Chromium found: browser tours need it (Debian, as root: apt-get install chromium)."

DB=${CHUB_TEST_DB:-chub_test_$$}
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/chub-test.XXXXXX")
CONF=$RUN_DIR/odoo.conf
CHUB_DATA_DIR=$RUN_DIR/data write_config "$CONF" "db_name = $DB" "dbfilter = ^$DB\$"
LIVE_DB=${DB}_live
cleanup() {
    [ -n "${CHUB_KEEP_DB:-}" ] || dropdb --if-exists "$DB" 2>/dev/null || true
    dropdb --if-exists "$LIVE_DB" 2>/dev/null || true
    # the workers' copies, should pytest have been stopped before dropping them
    for copy in $(psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE '$DB-gw%'" 2>/dev/null); do
        dropdb --if-exists "$copy" 2>/dev/null || true
    done
    rm -rf "$RUN_DIR"
}
trap cleanup EXIT

dropdb --if-exists "$DB"
dropdb --if-exists "$LIVE_DB"
say "creating test database $DB with the suite and demo data"
start=$(date +%s)
"$PY" "$REPO_DIR/setup/odoo-bin" -c "$CONF" -d "$DB" -i "$SUITE_ADDONS" --stop-after-init --log-level=warn ||
    die "the suite did not install in $DB (see Odoo's log above)."
say "installed in $(($(date +%s) - start)) s; running the tests"
# The live tests run a real Odoo (workers, job runner, real commits) on a copy, so
# its commits never meet the in-process tests' transactions.
createdb -T "$DB" "$LIVE_DB"
[ -d "$RUN_DIR/data/filestore/$DB" ] && cp -r "$RUN_DIR/data/filestore/$DB" "$RUN_DIR/data/filestore/$LIVE_DB"
export CHUB_LIVE_DB=$LIVE_DB CHUB_LIVE_CONF=$CONF

cd "$REPO_DIR"
status=0
# No job runner in the pytest process: queue_job starts one in any Odoo HTTP server
# it is installed in, and it would race the tests (which run their jobs themselves)
# on the demo's queued messages. root:0 is queue_job's off switch; the live tests'
# own Odoo sets its channels again (tests/live_server.py).
# Two pytest-xdist workers (CHUB_TEST_WORKERS), each on its own copy of the test
# database (pytest-odoo makes and drops them); the live tests share the live copy, so
# they run one after another on one worker (tests/conftest.py groups them).
ODOO_QUEUE_JOB_CHANNELS=root:0 "$PY" -m pytest --odoo-config="$CONF" --odoo-database="$DB" --odoo-http --odoo-log-level=warn \
    -n "${CHUB_TEST_WORKERS:-2}" --dist loadgroup addons tests "$@" || status=$?

say "lint: pre-commit run --all-files"
PATH=$VENV/bin:$PATH pre-commit run --all-files --show-diff-on-failure || status=1
exit $status
