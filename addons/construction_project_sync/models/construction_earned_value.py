# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

# every figure is of the status date: the cache keeps each date's apart
STATUS = {"readonly": True, "depends_context": ("progress_date",)}


class ConstructionEarnedValue(models.Model):
    """Quantities, productivity and earned value by job × cost code, at a status
    date (the context's ``progress_date``, today without one), in one query:

    - budget at completion (BAC): the job cost's revised budget of the cost code
      (all its cost types)
    - budgeted quantity: the quantity of the cost code's lines on the job's
      approved budget that have a unit; installed: the latest installed quantity
      measured on or before the status date; percent complete = installed /
      budgeted
    - planned value (PV) = BAC × planned %, the budget spread evenly over the
      calendar days of the cost code's planned window: its budget lines' phases
      (earliest start, latest end), else the job's start and end dates; nothing
      is planned without a window
    - earned value (EV) = BAC × percent complete, at most BAC
    - actual cost (AC): the job cost's actual cost lines dated on or before the
      status date
    - CPI = EV / AC, SPI = EV / PV (empty when the divisor is zero)
    - labour hours: posted field time up to the status date; hours per unit and
      actual unit cost divide by the installed quantity
    - budgeted labour hours: the cost code's approved budget lines' hours;
      budgeted hours per unit = budgeted hours / budgeted quantity; earned hours =
      budgeted hours × percent complete (at most the budgeted hours); productivity
      = earned hours / labour hours (above 1: fewer hours than the estimate)

    Costs without a cost code have a row of their own (AC only), so the job's
    totals hold every cost.
    """

    _name = "construction.earned.value"
    _description = "Earned Value"
    _auto = False
    _order = "job_id, cost_code_id"
    _rec_name = "cost_code_id"

    date = fields.Date(string="Status Date", **STATUS)
    job_id = fields.Many2one("project.project", **STATUS)
    cost_code_id = fields.Many2one("construction.cost.code", **STATUS)
    company_id = fields.Many2one("res.company", **STATUS)
    currency_id = fields.Many2one(related="company_id.currency_id")
    uom_id = fields.Many2one("uom.uom", string="Unit", **STATUS)
    planned_start = fields.Date(**STATUS)
    planned_finish = fields.Date(**STATUS)
    budgeted_quantity = fields.Float(
        digits="Product Unit of Measure", **STATUS, aggregator=None
    )
    installed_quantity = fields.Float(
        string="Installed to Date",
        digits="Product Unit of Measure",
        **STATUS,
        aggregator=None,
    )
    last_measured = fields.Date(
        **STATUS, help="The day of the installed quantity used."
    )
    percent_complete = fields.Float(
        string="Complete (%)",
        digits=(16, 2),
        **STATUS,
        aggregator=None,
        help="Installed / budgeted quantity.",
    )
    planned_percent = fields.Float(
        string="Planned (%)", digits=(16, 2), **STATUS, aggregator=None
    )
    budget_at_completion = fields.Monetary(string="BAC", **STATUS)
    planned_value = fields.Monetary(string="PV", **STATUS)
    earned_value = fields.Monetary(string="EV", **STATUS)
    actual_cost = fields.Monetary(string="AC", **STATUS)
    cost_variance = fields.Monetary(
        **STATUS, help="EV - AC: negative costs more than the work earned."
    )
    schedule_variance = fields.Monetary(
        **STATUS, help="EV - PV: negative is behind plan."
    )
    cpi = fields.Float(
        string="CPI", digits=(16, 2), **STATUS, aggregator=None, help="EV / AC"
    )
    spi = fields.Float(
        string="SPI", digits=(16, 2), **STATUS, aggregator=None, help="EV / PV"
    )
    labor_hours = fields.Float(digits=(16, 2), **STATUS)
    hours_per_unit = fields.Float(
        digits=(16, 4), **STATUS, aggregator=None, help="Labour hours / installed."
    )
    budgeted_hours = fields.Float(digits=(16, 2), **STATUS)
    budgeted_hours_per_unit = fields.Float(
        digits=(16, 4),
        **STATUS,
        aggregator=None,
        help="Budgeted labour hours / budgeted quantity.",
    )
    earned_hours = fields.Float(
        digits=(16, 2),
        **STATUS,
        help="Budgeted hours × percent complete: the hours the work done was "
        "estimated to take.",
    )
    productivity = fields.Float(
        digits=(16, 2),
        **STATUS,
        aggregator=None,
        help="Earned hours / labour hours: above 1, the crew needs fewer hours than "
        "estimated; below 1, more.",
    )
    budgeted_unit_cost = fields.Monetary(
        **STATUS, aggregator=None, help="BAC / budgeted quantity."
    )
    actual_unit_cost = fields.Monetary(
        **STATUS, aggregator=None, help="AC / installed quantity."
    )

    _depends = {
        "construction.installed.quantity": [
            "job_id",
            "cost_code_id",
            "date",
            "quantity_to_date",
        ],
        "construction.budget.line": [
            "quantity",
            "uom_id",
            "amount",
            "phase_id",
            "labor_hours",
        ],
        "construction.field.time": ["state", "hours", "date"],
    }

    @api.model
    def _status_date(self):
        return fields.Date.to_date(
            self.env.context.get("progress_date")
        ) or fields.Date.context_today(self)

    @property
    def _table_query(self):
        # the job cost view is built at the end of the install; until then there
        # is no earned value either
        if not self.env["construction.job.cost"]._cost_code_column():
            return SQL("SELECT NULL::integer AS id, NULL::date AS date WHERE false")
        return SQL(
            """
            -- NOT MATERIALIZED: a filter on the job reaches every source
            WITH budget AS NOT MATERIALIZED (
                SELECT job_id, cost_code_id, sum(revised_budget) AS bac
                  FROM construction_job_cost
                 WHERE cost_code_id IS NOT NULL
                 GROUP BY job_id, cost_code_id
            ), quantity AS NOT MATERIALIZED (
                SELECT bl.job_id, bl.cost_code_id,
                       sum(bl.quantity) FILTER (WHERE bl.uom_id IS NOT NULL) AS qty,
                       min(bl.uom_id) AS uom_id,
                       sum(bl.labor_hours) AS budget_hours,
                       min(phase.date_start) AS start, max(phase.date_end) AS finish
                  FROM construction_budget_line bl
                  JOIN construction_budget b
                    ON b.id = bl.budget_id AND b.state = 'approved'
                  LEFT JOIN construction_phase phase ON phase.id = bl.phase_id
                 GROUP BY bl.job_id, bl.cost_code_id
            ), installed AS NOT MATERIALIZED (
                SELECT DISTINCT ON (job_id, cost_code_id)
                       job_id, cost_code_id, quantity_to_date, date, uom_id
                  FROM construction_installed_quantity
                 WHERE date <= %(day)s
                 ORDER BY job_id, cost_code_id, date DESC
            ), actual AS NOT MATERIALIZED (
                SELECT job_id, cost_code_id, sum(amount) AS ac
                  FROM (%(actuals)s) a
                 WHERE a.date <= %(day)s
                 GROUP BY job_id, cost_code_id
            ), hours AS NOT MATERIALIZED (
                SELECT job_id, cost_code_id, sum(hours) AS hours
                  FROM construction_field_time
                 WHERE state = 'posted' AND date <= %(day)s
                 GROUP BY job_id, cost_code_id
            ), keys AS NOT MATERIALIZED (
                SELECT job_id, cost_code_id FROM budget
                UNION SELECT job_id, cost_code_id FROM installed
                UNION SELECT job_id, cost_code_id FROM actual
                UNION SELECT job_id, cost_code_id FROM hours
            ), figures AS NOT MATERIALIZED (
                SELECT k.job_id, k.cost_code_id, job.company_id,
                       coalesce(q.uom_id, i.uom_id) AS uom_id,
                       coalesce(q.start, job.date_start) AS planned_start,
                       coalesce(q.finish, job.date) AS planned_finish,
                       coalesce(q.qty, 0) AS budgeted_quantity,
                       coalesce(i.quantity_to_date, 0) AS installed_quantity,
                       i.date AS last_measured,
                       coalesce(b.bac, 0) AS bac,
                       coalesce(a.ac, 0) AS ac,
                       coalesce(h.hours, 0) AS labor_hours,
                       coalesce(q.budget_hours, 0) AS budgeted_hours,
                       i.quantity_to_date / nullif(q.qty, 0) AS done
                  FROM keys k
                  JOIN project_project job ON job.id = k.job_id
                  LEFT JOIN budget b
                    ON b.job_id = k.job_id
                   AND b.cost_code_id IS NOT DISTINCT FROM k.cost_code_id
                  LEFT JOIN quantity q
                    ON q.job_id = k.job_id AND q.cost_code_id = k.cost_code_id
                  LEFT JOIN installed i
                    ON i.job_id = k.job_id AND i.cost_code_id = k.cost_code_id
                  LEFT JOIN actual a
                    ON a.job_id = k.job_id
                   AND a.cost_code_id IS NOT DISTINCT FROM k.cost_code_id
                  LEFT JOIN hours h
                    ON h.job_id = k.job_id AND h.cost_code_id = k.cost_code_id
            ), phased AS NOT MATERIALIZED (
                SELECT f.*,
                       CASE WHEN f.planned_start IS NULL
                              OR f.planned_finish IS NULL
                              OR f.planned_finish < f.planned_start THEN NULL
                            WHEN %(day)s < f.planned_start THEN 0
                            WHEN %(day)s >= f.planned_finish THEN 1
                            ELSE (%(day)s - f.planned_start + 1)::numeric
                                 / (f.planned_finish - f.planned_start + 1)
                       END AS planned,
                       round(f.bac * least(coalesce(f.done, 0), 1), 2) AS ev,
                       round(f.budgeted_hours * least(coalesce(f.done, 0), 1), 2)
                           AS earned_hours
                  FROM figures f
            ), valued AS NOT MATERIALIZED (
                SELECT p.*, round(p.bac * coalesce(p.planned, 0), 2) AS pv
                  FROM phased p
            )
            SELECT v.job_id::bigint * 10000000 + coalesce(v.cost_code_id, 0) AS id,
                   %(day)s::date AS date,
                   v.job_id, v.cost_code_id, v.company_id, v.uom_id,
                   v.planned_start, v.planned_finish,
                   v.budgeted_quantity, v.installed_quantity, v.last_measured,
                   round(100 * v.done, 2) AS percent_complete,
                   round(100 * v.planned, 2) AS planned_percent,
                   v.bac AS budget_at_completion,
                   v.pv AS planned_value,
                   v.ev AS earned_value,
                   v.ac AS actual_cost,
                   v.ev - v.ac AS cost_variance,
                   v.ev - v.pv AS schedule_variance,
                   round(v.ev / nullif(v.ac, 0), 2) AS cpi,
                   round(v.ev / nullif(v.pv, 0), 2) AS spi,
                   v.labor_hours,
                   round(v.labor_hours / nullif(v.installed_quantity, 0), 4)
                       AS hours_per_unit,
                   v.budgeted_hours,
                   round(v.budgeted_hours / nullif(v.budgeted_quantity, 0), 4)
                       AS budgeted_hours_per_unit,
                   v.earned_hours,
                   round(v.earned_hours / nullif(v.labor_hours, 0), 2)
                       AS productivity,
                   round(v.bac / nullif(v.budgeted_quantity, 0), 2)
                       AS budgeted_unit_cost,
                   round(v.ac / nullif(v.installed_quantity, 0), 2)
                       AS actual_unit_cost
              FROM valued v
            """,
            day=self._status_date(),
            actuals=self.env["construction.job.cost"]._actual_cost_sql(),
        )

    @api.model
    def _job_totals(self, jobs, date=None):
        """{job id: {planned_value, earned_value, actual_cost, cpi, spi}} at the
        status date: sums over the job's cost codes, ratios of the sums."""
        model = self.with_context(progress_date=date) if date else self
        self.env.flush_all()
        rows = model._read_group(
            [("job_id", "in", jobs.ids)],
            ["job_id"],
            ["planned_value:sum", "earned_value:sum", "actual_cost:sum"],
        )
        totals = {}
        for job, pv, ev, ac in rows:
            totals[job.id] = {
                "planned_value": pv,
                "earned_value": ev,
                "actual_cost": ac,
                "cpi": round(ev / ac, 2) if ac else False,
                "spi": round(ev / pv, 2) if pv else False,
            }
        return totals
