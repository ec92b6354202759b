"""Field time end to end on this machine (not part of CI's pass/fail).

10,000 field-time lines from a field app:
  a. through the hub: `timesheet.batch` messages posted to the API (one request of
     20 envelopes × 500 lines), processed by queue_job's runner (2 workers) into staged
     (submitted) field time, then approved in bulk by a supervisor over JSON-RPC, which
     posts them as timesheets (analytic lines on job × cost code);
  b. beside it, the same lines created as timesheets directly through Odoo's JSON-RPC,
     one per call and as lists of 100 (no staging, no approval: the floor of the cost).

Usage: python tests/bench/bench_field_time.py --conf ODOO_CONF --db DB (setup/bench.sh
makes the database). Prints a table and writes results/field_time.json.
"""

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import BenchDatabase, post_json  # noqa: E402
from live_server import LiveOdoo  # noqa: E402

API = "/api/construction/v1"
JOB = "J-2026-014"
COST_CODE = "03-310"
EMPLOYEES = 50
FIRST_DAY = date(2026, 1, 1)


class Bench(BenchDatabase):
    def wait_for(self, query, params, target, timeout=1800):
        deadline = time.time() + timeout
        while time.time() < deadline:
            count = self.sql(query, params)[0][0]
            if count >= target:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{count} of {target} after {timeout} s: {query}")

    def setup(self, server):
        """Employees with badges and an hourly cost, a supervisor who approves."""
        badges = [f"BENCH{i:03d}" for i in range(EMPLOYEES)]
        existing = server.rpc(
            "hr.employee", "search_read", [("barcode", "in", badges)], fields=["id"]
        )
        if not existing:
            server.rpc(
                "hr.employee",
                "create",
                [
                    {"name": f"Bench crew {b}", "barcode": b, "hourly_cost": 42.0}
                    for b in badges
                ],
            )
        ids = server.rpc(
            "ir.model.data",
            "search_read",
            [
                ("module", "=", "construction_project_sync"),
                ("name", "in", ["group_project_manager", "group_project_approver"]),
            ],
            fields=["res_id"],
        )
        login = "bench-supervisor"
        if not server.rpc("res.users", "search", [("login", "=", login)]):
            server.rpc(
                "res.users",
                "create",
                {
                    "name": "Bench Supervisor",
                    "login": login,
                    "password": login,
                    "groups_id": [(4, row["res_id"]) for row in ids],
                },
            )
        self.supervisor = server.rpc("res.users", "search", [("login", "=", login)])[0]
        self.cost_code_account = server.rpc(
            "construction.cost.code",
            "search_read",
            [("code", "=", COST_CODE)],
            fields=["analytic_account_id"],
        )[0]["analytic_account_id"][0]
        self.job_id = server.rpc(
            "project.project", "search", [("job_number", "=", JOB)]
        )[0]
        self.employee_ids = [
            row["id"]
            for row in server.rpc(
                "hr.employee", "search_read", [("barcode", "in", badges)], fields=["id"]
            )
        ]
        return badges

    def lines(self, run, n, badges):
        return [
            {
                "line_id": f"{run}-{i}",
                "employee_external_id": badges[i % len(badges)],
                "job_number": JOB,
                "cost_code": COST_CODE,
                # one line a worker a day, as crews report (a worker's day above
                # the plausible one is an exception of its own)
                "date": str(FIRST_DAY + timedelta(days=i // len(badges))),
                "hours": 1 + i % 8,
            }
            for i in range(n)
        ]

    def hub(self, server, key, run, n, badges, per_message=500):
        lines = self.lines(run, n, badges)
        envelopes = [
            {
                "idempotency_key": f"{run}-batch-{start}",
                "payload": {
                    "batch_id": f"{run}-{start}",
                    "lines": lines[start : start + per_message],
                },
            }
            for start in range(0, n, per_message)
        ]
        staged_q = (
            "SELECT count(*) FROM construction_field_time "
            "WHERE batch_ref LIKE %s AND state = 'submitted'"
        )
        posted_q = (
            "SELECT count(*) FROM construction_field_time "
            "WHERE batch_ref LIKE %s AND state = 'posted'"
        )
        start = time.perf_counter()
        status, body = post_json(
            server.url + API + "/flows/timesheet.batch",
            envelopes,
            {"Authorization": f"Bearer {key}"},
        )
        assert status == 202 and not body["errors"], body
        accepted = time.perf_counter()
        self.wait_for(staged_q, [f"{run}-%"], n)
        staged = time.perf_counter()
        ids = server.rpc(
            "construction.field.time",
            "search",
            [("batch_ref", "like", f"{run}-%"), ("state", "=", "submitted")],
        )
        for chunk in range(0, len(ids), 1000):
            server.rpc_as(
                self.supervisor,
                "bench-supervisor",
                "construction.field.time",
                "action_approve",
                ids[chunk : chunk + 1000],
            )
        self.wait_for(posted_q, [f"{run}-%"], n)
        posted = time.perf_counter()
        return {
            "ingest_s": accepted - start,
            "staging_s": staged - accepted,
            "approval_posting_s": posted - staged,
            "end_to_end_per_s": n / (posted - start),
        }

    def timesheet(self, i, run):
        return {
            "name": f"{run} {i}",
            "project_id": self.job_id,
            "employee_id": self.employee_ids[i % len(self.employee_ids)],
            "date": str(FIRST_DAY + timedelta(days=i // len(self.employee_ids))),
            "unit_amount": 1 + i % 8,
        }

    def native(self, server, run, n_single, n_batched):
        start = time.perf_counter()
        for i in range(n_single):
            server.rpc("account.analytic.line", "create", self.timesheet(i, run))
        single = n_single / (time.perf_counter() - start)
        start = time.perf_counter()
        for chunk in range(0, n_batched, 100):
            server.rpc(
                "account.analytic.line",
                "create",
                [self.timesheet(i, run) for i in range(chunk, chunk + 100)],
            )
        batched = n_batched / (time.perf_counter() - start)
        return single, batched

    def run(self, n, n_single, n_batched, repeats):
        server = LiveOdoo(self.conf, self.db, workers=2).start()
        results = {"hub": [], "native_one_by_one_per_s": [], "native_batched_per_s": []}
        try:
            badges = self.setup(server)
            key = server.new_system(
                "bench-field",
                ["timesheet.batch"],
                rate_limit=0,
                groups=["construction_project_sync.group_project_manager"],
            )
            for repeat in range(repeats):  # interleaved, medians reported
                results["hub"].append(self.hub(server, key, f"ft{repeat}", n, badges))
                single, batched = self.native(
                    server, f"rpc{repeat}", n_single, n_batched
                )
                results["native_one_by_one_per_s"].append(single)
                results["native_batched_per_s"].append(batched)
        finally:
            server.stop()
        return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--native-single", type=int, default=200)
    parser.add_argument("--native-batched", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    results = Bench(args.conf, args.db).run(
        args.lines, args.native_single, args.native_batched, args.repeats
    )
    hub = {
        key: statistics.median(run[key] for run in results["hub"])
        for key in results["hub"][0]
    }
    one = statistics.median(results["native_one_by_one_per_s"])
    batched = statistics.median(results["native_batched_per_s"])
    rows = [
        ("API ingest (one request)", f"{hub['ingest_s']:7.1f} s"),
        ("queue → staged (submitted)", f"{hub['staging_s']:7.1f} s"),
        ("bulk approval → posted", f"{hub['approval_posting_s']:7.1f} s"),
        ("end to end", f"{hub['end_to_end_per_s']:7.1f} lines/s"),
        ("native JSON-RPC create, one per call", f"{one:7.1f} lines/s"),
        ("native JSON-RPC create, 100 per call", f"{batched:7.1f} lines/s"),
    ]
    print(f"field time, {args.lines:,} lines (medians):")
    print("\n".join(f"  {label:<38}: {value}" for label, value in rows))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "field_time.json").write_text(
        json.dumps({"raw": results, "median_hub": hub}, indent=2)
    )


if __name__ == "__main__":
    main()
