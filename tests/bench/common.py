"""What the benchmarks share: their throwaway database, read over psycopg2, posts
to the live server's API, timing, and the posted job cost lines the in-process ones
build."""

import json
import os
import statistics
import time
import urllib.request

import psycopg2


def http_post(url, data, headers):
    """POST ``data`` (bytes); returns (status, the JSON answer)."""
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.status, json.loads(response.read())


def post_json(url, body, headers):
    return http_post(
        url,
        json.dumps(body).encode(),
        {"Content-Type": "application/json", **headers},
    )


class BenchDatabase:
    """The benchmark's database: its config, name and an autocommit connection
    for the set-up and checks that are not measured."""

    def __init__(self, conf, db):
        self.conf, self.db = conf, db
        self.pg = psycopg2.connect(
            dbname=db, host=os.environ.get("PGHOST", "127.0.0.1")
        )
        self.pg.autocommit = True

    def sql(self, query, params=None):
        with self.pg.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None


def timed(func, repeat=5):
    """(median, runs) of ``func``'s wall time over ``repeat`` calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


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


def insert_job_cost_lines(env, projects, codes, lines, days, label):
    """``lines`` posted analytic lines spread over the jobs × cost codes and ``days``
    days from 2026-01-01 (one INSERT ... SELECT from generate_series; each names an
    expense account and a posted journal item, as job cost's actual asks); returns
    the seconds the insert took."""
    company = env.company
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
        SELECT %s || g, DATE '2026-01-01' + (g %% %s),
               -(10 + g %% 90), 1, %s,
               (%s::integer[])[1 + g %% %s], (%s::integer[])[1 + (g / %s) %% %s],
               %s, %s,
               1, 1, now(), now()
          FROM generate_series(0, %s - 1) AS g
        """,  # noqa: S608 (a benchmark; the column name comes from the plan)
        [
            label,
            days,
            company.id,
            projects.account_id.ids,
            len(projects),
            codes.analytic_account_id.ids,
            len(projects),
            len(codes),
            expense_item.account_id.id,
            expense_item.id,
            lines,
        ],
    )
    env.cr.execute("ANALYZE account_analytic_line")
    return time.perf_counter() - start
