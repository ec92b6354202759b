"""Benchmark of the integration hub on this machine (not part of CI's pass/fail).

1. Ingest: the same analytic-line-shaped records through
   a. Odoo's native JSON-RPC create, one record per call,
   b. Odoo's native JSON-RPC create of a list (100 per call),
   c. the hub's batch endpoint (authenticated, validated, idempotent, stored and
      enqueued; 1,000 per request).
   The job runner is off during ingest (Odoo started without queue_job) so that
   processing does not compete for the two cores.
2. Processing: the queued messages processed by queue_job's runner with 1 and with 2
   workers; throughput = messages / (last processed_at - first processed_at).

Usage: python tests/bench/bench_hub.py --conf ODOO_CONF --db DB  (setup/bench.sh makes
a fresh database and runs this). Prints a table and writes results/latest.json.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import BenchDatabase, post_json  # noqa: E402
from live_server import LiveOdoo  # noqa: E402

API = "/api/construction/v1"


def record(i, run):
    return {
        "name": f"Bench {run} line {i}",
        "amount": round(10 + i % 97 * 1.25, 2),
        "date": "2026-11-02",
        "unit_amount": 1.0,
    }


class Bench(BenchDatabase):
    def __init__(self, conf, db):
        super().__init__(conf, db)
        self.results = {}

    def server(self, workers, runner):
        server = LiveOdoo(self.conf, self.db, workers=workers)
        if not runner:
            server.load = "base,web"
        return server.start()

    def native(self, server, n_single, n_batched):
        group = server.rpc(
            "ir.model.data",
            "search_read",
            [("module", "=", "analytic"), ("name", "=", "group_analytic_accounting")],
            fields=["res_id"],
        )[0]["res_id"]
        server.rpc("res.users", "write", [2], {"groups_id": [(4, group)]})
        plan = server.rpc("account.analytic.plan", "create", {"name": "Bench plan"})
        account = server.rpc(
            "account.analytic.account", "create", {"name": "Bench job", "plan_id": plan}
        )
        start = time.perf_counter()
        for i in range(n_single):
            server.rpc(
                "account.analytic.line",
                "create",
                {**record(i, "rpc1"), "account_id": account},
            )
        single = n_single / (time.perf_counter() - start)
        start = time.perf_counter()
        for chunk in range(0, n_batched, 100):
            server.rpc(
                "account.analytic.line",
                "create",
                [
                    {**record(i, "rpc100"), "account_id": account}
                    for i in range(chunk, chunk + 100)
                ],
            )
        batched = n_batched / (time.perf_counter() - start)
        return single, batched

    def ingest(self, server, key, run, n, batch=1000):
        url = server.url + API + "/flows/echo"
        start = time.perf_counter()
        for chunk in range(0, n, batch):
            items = [
                {"idempotency_key": f"{run}-{i}", "payload": record(i, run)}
                for i in range(chunk, min(chunk + batch, n))
            ]
            status, body = post_json(url, items, {"Authorization": f"Bearer {key}"})
            assert status == 202 and not body["errors"], body
        return n / (time.perf_counter() - start)

    def ingest_single(self, server, key, run, n):
        url = server.url + API + "/flows/echo"
        start = time.perf_counter()
        for i in range(n):
            post_json(
                url,
                record(i, run),
                {"Authorization": f"Bearer {key}", "Idempotency-Key": f"{run}-{i}"},
            )
        return n / (time.perf_counter() - start)

    def process(self, workers, run, n, timeout=900):
        server = self.server(workers=workers, runner=True)
        try:
            deadline = time.time() + timeout
            while time.time() < deadline:
                done = self.sql(
                    "SELECT count(*) FROM integration_message "
                    "WHERE idempotency_key LIKE %s "
                    "AND state = 'done'",
                    [f"{run}-%"],
                )[0][0]
                if done >= n:
                    break
                time.sleep(0.5)
            first, last, count = self.sql(
                "SELECT min(processed_at), max(processed_at), count(*) "
                "FROM integration_message "
                "WHERE idempotency_key LIKE %s AND state = 'done'",
                [f"{run}-%"],
            )[0]
        finally:
            server.stop()
        seconds = (last - first).total_seconds()
        return count / seconds if seconds else float("nan"), count

    def run(self, n_ingest, n_native_single, n_native_batched, n_process):
        server = self.server(workers=2, runner=False)
        try:
            key = server.new_system("bench", ["echo"], rate_limit=0)
            self.results["native_one_by_one_per_s"] = []
            self.results["native_batched_per_s"] = []
            self.results["hub_batch_ingest_per_s"] = []
            self.results["hub_single_ingest_per_s"] = []
            for repeat in range(3):  # interleaved, medians reported
                single, batched = self.native(server, n_native_single, n_native_batched)
                self.results["native_one_by_one_per_s"].append(single)
                self.results["native_batched_per_s"].append(batched)
                self.results["hub_batch_ingest_per_s"].append(
                    self.ingest(server, key, f"ingest{repeat}", n_ingest)
                )
                self.results["hub_single_ingest_per_s"].append(
                    self.ingest_single(server, key, f"single{repeat}", n_native_single)
                )
        finally:
            server.stop()
        # the ingest runs queued messages too: settle their jobs before measuring
        self.sql(
            "UPDATE queue_job SET state = 'done' WHERE state IN ('pending', 'enqueued')"
        )
        # each processing run gets its own messages, ingested with the runner off, so
        # no run processes another's; 1 and 2 workers interleaved, medians reported
        self.results["process_1_worker_per_s"] = []
        self.results["process_2_workers_per_s"] = []
        for repeat in range(2):
            for workers in (1, 2):
                run = f"proc{workers}w{repeat}"
                server = self.server(workers=2, runner=False)
                try:
                    self.ingest(server, key, run, n_process)
                finally:
                    server.stop()
                rate, count = self.process(workers, run, n_process)
                assert count == n_process, (run, count)
                name = (
                    "process_1_worker_per_s"
                    if workers == 1
                    else "process_2_workers_per_s"
                )
                self.results[name].append(rate)
        return self.results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--ingest", type=int, default=10000)
    parser.add_argument("--native-single", type=int, default=200)
    parser.add_argument("--native-batched", type=int, default=2000)
    parser.add_argument("--process", type=int, default=20000)
    args = parser.parse_args()
    results = Bench(args.conf, args.db).run(
        args.ingest, args.native_single, args.native_batched, args.process
    )
    med = {
        k: statistics.median(v) if isinstance(v, list) else v
        for k, v in results.items()
    }
    one, batched = med["native_one_by_one_per_s"], med["native_batched_per_s"]
    single = med["hub_single_ingest_per_s"]
    ingest = med["hub_batch_ingest_per_s"]
    p1, p2 = med["process_1_worker_per_s"], med["process_2_workers_per_s"]
    lines = [
        f"native JSON-RPC create, one per call : {one:9.1f} records/s",
        f"native JSON-RPC create, 100 per call : {batched:9.1f} records/s",
        f"hub single-message POST              : {single:9.1f} messages/s",
        f"hub batch POST (1,000 per request)   : {ingest:9.1f} messages/s",
        f"  ratio vs one-by-one  : {ingest / one:7.1f}x  (target >= 100x)",
        f"  ratio vs batched     : {ingest / batched:7.1f}x  (target >= 10x)",
        f"processing, 1 worker   : {p1:9.1f} messages/s  (target >= 1,000/s)",
        f"processing, 2 workers  : {p2:9.1f} messages/s  "
        f"({p2 / p1:.2f}x one; target >= 1.7x)",
    ]
    print("\n".join(lines))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps({"raw": results, "median": med}, indent=2)
    )


if __name__ == "__main__":
    main()
