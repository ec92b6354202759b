"""Benchmark of the WIP schedule (issue 12) over many jobs and analytic lines (not
part of CI).

Builds N jobs × M cost codes with approved budgets, a contract and a posted progress
invoice per job, an approved cost-to-complete forecast on every other job, then L
posted analytic lines spread over them (one INSERT ... SELECT, as bench_job_cost.py),
and times, in-process through the ORM:
  - computing the month's WIP schedule (one SQL statement over job cost, forecasts,
    change orders and billings, then one create of the lines),
  - rendering its printable HTML (QWeb, every job a row).
Full size, as the issue asks: --jobs 500 --cost-codes 200 --lines 1000000 (the
default). Prints medians and writes results/wip.json. The database is modified: use
a throwaway one.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import odoo
from odoo.tools import config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BenchDatabase, insert_job_cost_lines, timed  # noqa: E402


def build(env, jobs, cost_codes, lines):
    company = env.company
    admin = env.ref("base.user_admin")
    env["project.project"].search([("is_job", "=", True)]).job_state = "bid"
    codes = env["construction.cost.code"].create(
        [
            {"code": f"W-{i:04d}", "name": f"WIP code {i}", "cost_type": "material"}
            for i in range(cost_codes)
        ]
    )
    customer = env["res.partner"].create({"name": "WIP bench owner"})
    projects = env["project.project"].create(
        [
            {
                "name": f"WIP job {j}",
                "is_job": True,
                "job_number": f"WJ-{j:03d}",
                "job_state": "active",
                "partner_id": customer.id,
                "contract_value": cost_codes * 1000 * 1.2,
            }
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
    budgets.with_user(admin).action_approve()
    forecasts = env["construction.forecast"].create(
        [
            {
                "job_id": job.id,
                "period_date": "2026-11-01",
                "line_ids": [
                    (0, 0, {"cost_code_id": code.id, "forecast_to_complete": 500})
                    for code in codes
                ],
            }
            for job in projects[::2]
        ]
    )
    forecasts.with_user(admin).action_approve()
    income = company._construction_billing_income_account()
    invoices = env["account.move"]
    for job in projects:
        invoices |= job._create_billing_move(
            "out_invoice",
            [
                {
                    "name": "Work completed",
                    "quantity": 1,
                    "price_unit": 50000,
                    "account_id": income.id,
                }
            ],
            "progress",
            date="2026-11-25",
        )
    invoices.action_post()
    env.flush_all()
    return insert_job_cost_lines(env, projects, codes, lines, 360, "wip bench ")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--cost-codes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--built", action="store_true", help="the database holds a built run already"
    )
    args = parser.parse_args()
    config.parse_config(["-c", args.conf, "-d", args.db])
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        insert_seconds = None
        if not args.built:
            insert_seconds = build(env, args.jobs, args.cost_codes, args.lines)
        build_seconds = time.perf_counter() - start
        cr.commit()
        # one schedule per company and month (a demo database has a draft one)
        env["construction.wip.schedule"].search(
            [("period_date", "=", "2026-11-30")]
        ).unlink()
        schedule = env["construction.wip.schedule"].create(
            {"period_date": "2026-11-30"}
        )

        def compute():
            env.invalidate_all()
            schedule.action_compute()
            env.flush_all()

        def render():
            env.invalidate_all()
            return env["ir.actions.report"]._render_qweb_html(
                "construction_project_sync.report_wip_schedule", schedule.ids
            )

        compute_median, compute_runs = timed(compute, args.repeat)
        render_median, render_runs = timed(render, args.repeat)
        rows = len(schedule.line_ids)
        assert rows >= args.jobs, rows
        totals = {
            name: schedule[name]
            for name in (
                "earned_revenue",
                "billed_to_date",
                "over_billing",
                "under_billing",
            )
        }
        cr.rollback()
    db = BenchDatabase(args.conf, args.db)
    analytic_lines = db.sql("SELECT count(*) FROM account_analytic_line")[0][0]
    result = {
        "jobs": args.jobs,
        "cost_codes": args.cost_codes,
        "bench_analytic_lines": args.lines,
        "analytic_lines_in_database": analytic_lines,
        "schedule_lines": rows,
        "build_seconds": build_seconds,
        "insert_seconds": insert_seconds,
        "compute_seconds": compute_median,
        "compute_runs": compute_runs,
        "render_html_seconds": render_median,
        "render_runs": render_runs,
        "totals": totals,
    }
    print(
        f"WIP schedule of {rows} jobs x {args.cost_codes} cost codes over "
        f"{analytic_lines:,} analytic lines: computed in {compute_median:.2f} s "
        f"(median of {args.repeat}: {', '.join(f'{r:.2f}' for r in compute_runs)}); "
        f"HTML rendered in {render_median:.2f} s; set-up {build_seconds:.0f} s"
    )
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "wip.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
