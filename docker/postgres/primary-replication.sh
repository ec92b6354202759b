#!/bin/bash
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d):
# lets the read replica (the "scale" profile's db-replica) stream the WAL as the
# database user. wal_level=replica and max_wal_senders=10 are PostgreSQL 15's defaults.
set -euo pipefail
echo "host replication ${POSTGRES_USER} all scram-sha-256" >>"${PGDATA}/pg_hba.conf"
