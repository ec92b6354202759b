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
import statistics
import time
from pathlib import Path

import odoo
from odoo.tools import config

FIGURES = ["revised_budget:sum", "committed:sum", "actual:sum", "variance:sum"]


def build(env, jobs, cost_codes, lines):
    company = env.company
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
    column = env.ref(
        "construction_project_sync.analytic_plan_cost_codes"
    )._column_name()
    expense_item = posted_expense_item(env, company)
    start = time.perf_counter()
    env.cr.execute(
        f"""
        INSERT INTO account_analytic_line
            (name, date, amount, unit_amount, company_id, account_id, {column},
             general_account_id, move_line_id,
             create_uid, write_uid, create_date, write_date)
        SELECT 'bench ' || g, DATE '2026-01-01' + (g %% 300),
               -(10 + g %% 90), 1, %s,
               (%s::integer[])[1 + g %% %s], (%s::integer[])[1 + (g / %s) %% %s],
               %s, %s,
               1, 1, now(), now()
          FROM generate_series(0, %s - 1) AS g
        """,  # noqa: S608 (a benchmark; the column name comes from the plan)
        [
            company.id,
            projects.account_id.ids,
            jobs,
            codes.analytic_account_id.ids,
            jobs,
            cost_codes,
            expense_item.account_id.id,
            expense_item.id,
            lines,
        ],
    )
    env.cr.execute("ANALYZE account_analytic_line")
    return time.perf_counter() - start, projects


def posted_expense_item(env, company):
    """A posted journal item on an expense account: the bench's analytic lines
    all name it (job cost counts posted expense items only)."""
    Account = env["account.account"]
    domain = Account._check_company_domain(company)
    expense = Account.search([*domain, ("account_type", "=", "expense")], limit=1)
    other = Account.search(
        [*domain, ("account_type", "=", "liability_current")], limit=1
    )
    move = env["account.move"].create(
        {
            "move_type": "entry",
            "line_ids": [
                (0, 0, {"name": "bench", "account_id": expense.id, "debit": 1}),
                (0, 0, {"name": "bench", "account_id": other.id, "credit": 1}),
            ],
        }
    )
    move.action_post()
    return move.line_ids.filtered(lambda line: line.account_id == expense)


def timed(func, repeat=5):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


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
