"""Benchmark of the job cost report over 1M analytic lines (not part of CI).

Builds 50 jobs × 200 cost codes with approved budgets (ORM), then 1,000,000 posted
analytic lines spread over them (one INSERT ... SELECT from generate_series; each
names an expense account and a posted journal item, as job cost's actual asks), and
times, in-process through the ORM:
  - the report grouped by job × cost code (what the pivot and list views ask),
  - one job's lines (what GET /api/construction/v1/jobs/<ref>/job-cost reads).
Prints medians of 5 runs each and writes results/job_cost.json. The database is
modified: use a throwaway one (setup/bench.sh does).
"""

import argparse
import json
from pathlib import Path

from common import insert_job_cost_lines, timed

import odoo
from odoo.tools import config

FIGURES = ["revised_budget:sum", "committed:sum", "actual:sum", "variance:sum"]


def build(env, jobs, cost_codes, lines):
    codes = env["construction.cost.code"].create(
        [
            {"code": f"B-{i:04d}", "name": f"Bench code {i}", "cost_type": "material"}
            for i in range(cost_codes)
        ]
    )
    projects = env["project.project"].create(
        [
            {"name": f"Bench job {j}", "is_job": True, "job_number": f"BJ-{j:03d}"}
            for j in range(jobs)
        ]
    )
    budgets = env["construction.budget"].create(
        [
            {
                "job_id": job.id,
                "line_ids": [
                    (0, 0, {"cost_code_id": code.id, "quantity": 1, "unit_cost": 1000})
                    for code in codes
                ],
            }
            for job in projects
        ]
    )
    # the budgets are OdooBot's; the administrator approves them
    budgets.with_user(env.ref("base.user_admin")).action_approve()
    env.flush_all()
    seconds = insert_job_cost_lines(env, projects, codes, lines, 300, "bench ")
    return seconds, projects


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--cost-codes", type=int, default=200)
    args = parser.parse_args()
    config.parse_config(["-c", args.conf, "-d", args.db])
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        insert_seconds, projects = build(env, args.jobs, args.cost_codes, args.lines)
        cr.commit()
        JobCost = env["construction.job.cost"]

        def grouped():
            env.invalidate_all()
            return JobCost.read_group(
                [], FIGURES, ["job_id", "cost_code_id"], lazy=False
            )

        def one_job():
            env.invalidate_all()
            return JobCost.search_read([("job_id", "=", projects[0].id)], ["actual"])

        groups = grouped()
        assert len(groups) >= args.jobs * args.cost_codes, len(groups)
        grouped_median, grouped_runs = timed(grouped)
        job_median, job_runs = timed(one_job)
    result = {
        "analytic_lines": args.lines,
        "jobs": args.jobs,
        "cost_codes": args.cost_codes,
        "groups": len(groups),
        "insert_seconds": insert_seconds,
        "grouped_by_job_and_cost_code_seconds": grouped_median,
        "grouped_runs": grouped_runs,
        "one_job_seconds": job_median,
        "one_job_runs": job_runs,
    }
    print(
        f"{args.lines:,} analytic lines, {len(groups):,} job x cost code groups: "
        f"report grouped by job x cost code {grouped_median:.2f} s (median of 5; "
        f"target < 5 s); one job {job_median:.2f} s"
    )
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "job_cost.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
