#!/bin/bash
# The read replica of the "scale" profile: on its first start, a base backup of the
# primary ("db") with a standby configuration (-R writes primary_conninfo and
# standby.signal); then PostgreSQL in hot standby, streaming from the primary. Odoo's
# read-only routes (reports, search_read, read_group) use it through db_replica_host.
set -euo pipefail
if [ ! -s "${PGDATA}/PG_VERSION" ]; then
    until pg_isready -h "${PRIMARY_HOST}" -U "${POSTGRES_USER}" -q; do sleep 2; done
    export PGPASSWORD="${POSTGRES_PASSWORD}"
    pg_basebackup -h "${PRIMARY_HOST}" -U "${POSTGRES_USER}" -D "${PGDATA}" -R -X stream -c fast
    chmod 0700 "${PGDATA}"
fi
exec postgres -c hot_standby=on
