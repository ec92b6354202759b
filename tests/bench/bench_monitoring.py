"""Benchmark of the Integration dashboard over 1,000,000 messages (not part of CI).

Adds 10 systems × 10 flows and 1,000,000 messages spread over the last 7 days (one
INSERT ... SELECT from generate_series: 2 % failed or dead, the rest done with a
latency), then times, in-process through the ORM:
  - the first rollup of the 7 days (168 hours) and the cron's routine one (6 hours),
  - what the dashboard asks when it opens: the line graph (received per day and flow
    over 7 days; then by hour) and the pivot (flow × day, five measures),
  - the SLO burn check,
  - for comparison, the same graph read from the messages themselves (what the
    Throughput view asks, per day) and the 24-hour Flow Health view.
Prints medians of 5 runs and writes results/monitoring.json. The database is
modified: use a throwaway one (setup/bench.sh does).
"""

import argparse
import json
import time
from datetime import timedelta
from pathlib import Path

from common import timed

import odoo
from odoo import fields
from odoo.tools import config


def build(env, messages, systems, flows):
    # importable once the config has put the addons on the path
    from odoo.addons.integration_queue.tests.common import make_system

    flow_records = env["integration.flow"].search(
        [("direction", "=", "inbound")], limit=flows
    )
    system_records = env["integration.system"]
    for i in range(systems):
        system, _key = make_system(env, f"bench_mon_{i}", flow_records)
        system_records |= system
    env.flush_all()
    start = time.perf_counter()
    env.cr.execute(
        """
        INSERT INTO integration_message
            (system_id, flow_id, company_id, idempotency_key, state, received_at,
             processed_at, latency_ms, create_uid, write_uid, create_date, write_date)
        SELECT (%(systems)s::integer[])[1 + g %% %(n_systems)s],
               (%(flows)s::integer[])[1 + (g / %(n_systems)s) %% %(n_flows)s],
               %(company)s, 'bench-mon-' || g,
               CASE WHEN g %% 100 = 0 THEN 'dead'
                    WHEN g %% 100 = 1 THEN 'failed' ELSE 'done' END,
               t.received_at,
               CASE WHEN g %% 100 > 1
                    THEN t.received_at + (20 + g %% 980) * interval '1 millisecond'
               END,
               CASE WHEN g %% 100 > 1 THEN 20 + g %% 980 END,
               1, 1, now(), now()
          FROM generate_series(0, %(count)s - 1) AS g,
               LATERAL (SELECT %(now)s::timestamp
                               - (g::float / %(count)s) * interval '7 days'
                               AS received_at) t
        """,
        {
            "systems": system_records.ids,
            "n_systems": len(system_records),
            "flows": flow_records.ids,
            "n_flows": len(flow_records),
            "company": env.company.id,
            "count": messages,
            "now": fields.Datetime.now(),
        },
    )
    env.cr.execute("ANALYZE integration_message")
    return time.perf_counter() - start, len(system_records), len(flow_records)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--systems", type=int, default=10)
    parser.add_argument("--flows", type=int, default=10)
    args = parser.parse_args()
    config.parse_config(["-c", args.conf, "-d", args.db])
    registry = odoo.modules.registry.Registry(args.db)
    result = {"messages": args.messages}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        insert_seconds, systems, flows = build(
            env, args.messages, args.systems, args.flows
        )
        cr.commit()
        Metric = env["integration.flow.metric"]
        start = time.perf_counter()
        Metric._rollup(hours=7 * 24)
        cr.commit()
        result["first_rollup_7_days_seconds"] = time.perf_counter() - start
        result["routine_rollup_6_hours_seconds"], _runs = timed(
            lambda: Metric._rollup(hours=6), repeat=3
        )
        cr.commit()
        week = fields.Datetime.now() - timedelta(days=7)
        domain = [("hour", ">=", week)]

        def graph():
            env.invalidate_all()
            return Metric.read_group(
                domain, ["received:sum"], ["hour:day", "flow_id"], lazy=False
            )

        def graph_by_hour():
            env.invalidate_all()
            return Metric.read_group(
                domain, ["received:sum"], ["hour:hour", "flow_id"], lazy=False
            )

        def pivot():
            env.invalidate_all()
            return Metric.read_group(
                domain,
                [
                    "received:sum",
                    "failed:sum",
                    "latency_p95_ms:max",
                    "backlog:max",
                    "burn_rate:max",
                ],
                ["flow_id", "hour:day"],
                lazy=False,
            )

        def from_messages():
            env.invalidate_all()
            return env["integration.message"].read_group(
                [("received_at", ">=", week)],
                ["__count"],
                ["received_at:day", "flow_id"],
                lazy=False,
            )

        def health():
            env.invalidate_all()
            return env["integration.flow.stats"].search_read([], ["backlog"])

        def burn():
            cr.execute("SAVEPOINT burn")
            Metric._check_slo_burn()
            cr.execute("ROLLBACK TO SAVEPOINT burn")

        groups = graph()
        result["graph_groups"] = len(groups)
        result["metric_rows"] = Metric.search_count([])
        for name, func in (
            ("dashboard_graph_seconds", graph),
            ("dashboard_pivot_seconds", pivot),
            ("graph_by_hour_seconds", graph_by_hour),
            ("slo_burn_check_seconds", burn),
            ("graph_from_messages_seconds", from_messages),
            ("flow_health_24h_seconds", health),
        ):
            result[name], result[name.replace("seconds", "runs")] = timed(func)
    result.update(insert_seconds=insert_seconds, systems=systems, flows=flows)
    print(
        f"{args.messages:,} messages, {systems} systems x {flows} flows, "
        f"{result['metric_rows']:,} hourly rows: "
        f"dashboard graph {result['dashboard_graph_seconds']:.3f} s, "
        f"pivot {result['dashboard_pivot_seconds']:.3f} s "
        "(medians of 5; target < 1 s), "
        f"graph by hour {result['graph_by_hour_seconds']:.3f} s; "
        f"first rollup (7 days) {result['first_rollup_7_days_seconds']:.1f} s, "
        f"routine rollup (6 h) {result['routine_rollup_6_hours_seconds']:.2f} s, "
        f"burn check {result['slo_burn_check_seconds']:.3f} s; "
        "the same graph from the messages "
        f"{result['graph_from_messages_seconds']:.2f} s, "
        f"24-hour flow health {result['flow_health_24h_seconds']:.2f} s"
    )
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "monitoring.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
