#!/usr/bin/env bash
# Runs the benchmarks (tests/bench/) on a fresh database; prints the figures the
# README quotes. Not part of CI's pass/fail.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

"$REPO_DIR/setup/install.sh"
ensure_postgres
DB=${CHUB_BENCH_DB:-chub_bench}
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/chub-bench.XXXXXX")
CONF=$RUN_DIR/odoo.conf
CHUB_DATA_DIR=$RUN_DIR/data write_config "$CONF"
trap 'dropdb --if-exists "$DB" 2>/dev/null || true; rm -rf "$RUN_DIR"' EXIT
dropdb --if-exists "$DB"
if [ -n "${CHUB_BENCH_TEMPLATE:-}" ]; then
    createdb -T "$CHUB_BENCH_TEMPLATE" "$DB"
else
    say "creating benchmark database $DB"
    "$PY" "$REPO_DIR/setup/odoo-bin" -c "$CONF" -d "$DB" -i "$SUITE_ADDONS" --stop-after-init --log-level=warn
fi
"$PY" "$REPO_DIR/tests/bench/bench_hub.py" --conf "$CONF" --db "$DB" "$@"
# 10,000 field-time lines: API → queue → staged → bulk approval → posted timesheets
"$PY" "$REPO_DIR/tests/bench/bench_field_time.py" --conf "$CONF" --db "$DB"
# 100,000 telematics readings: ISO 15143-3 snapshots (XML and JSON) → queue →
# readings + daily usage, then the period's cost staged
"$PY" "$REPO_DIR/tests/bench/bench_equipment.py" --conf "$CONF" --db "$DB"
# job cost over 1M analytic lines (adds them to the same throwaway database)
"$PY" "$REPO_DIR/tests/bench/bench_job_cost.py" --conf "$CONF" --db "$DB"
# issue 9: three-way match of 10,000 bill lines and 1,000 UBL documents end to end
"$PY" "$REPO_DIR/tests/bench/bench_ap.py" --conf "$CONF" --db "$DB"
# issue 11: the Integration dashboard and its hourly rollup over 1,000,000 messages
"$PY" "$REPO_DIR/tests/bench/bench_monitoring.py" --conf "$CONF" --db "$DB"
# issue 10: work order status events from many devices, late and resent, end to end
"$PY" "$REPO_DIR/tests/bench/bench_work_orders.py" --conf "$CONF" --db "$DB"
# issue 12: the WIP schedule of 500 jobs × 200 cost codes over 1M analytic lines
"$PY" "$REPO_DIR/tests/bench/bench_wip.py" --conf "$CONF" --db "$DB"
