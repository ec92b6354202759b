#!/usr/bin/env bash
# Installs everything (see install.sh), creates the database with the suite and its demo
# data if it is not there yet, then runs Odoo on http://127.0.0.1:$CHUB_HTTP_PORT.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$REPO_DIR/setup/install.sh"
ensure_postgres
CONF=$CHUB_HOME/odoo.conf
write_config "$CONF" "db_name = $CHUB_DB" "dbfilter = ^$CHUB_DB\$"
if db_has_suite "$CHUB_DB"; then
    say "database $CHUB_DB already has the suite"
else
    say "creating database $CHUB_DB with the suite and demo data (a few minutes)"
    "$PY" "$REPO_DIR/setup/odoo-bin" -c "$CONF" -d "$CHUB_DB" -i "$SUITE_ADDONS" --stop-after-init --log-level=warn ||
        die "the suite did not install in $CHUB_DB (see Odoo's log above)."
fi
say "Odoo runs on http://127.0.0.1:$CHUB_HTTP_PORT  (login: admin  password: admin)  Ctrl-C stops it"
[ -n "${CHUB_NO_SERVE:-}" ] && exit 0
exec "$PY" "$REPO_DIR/setup/odoo-bin" -c "$CONF" --workers="${CHUB_WORKERS:-2}" --max-cron-threads=1
