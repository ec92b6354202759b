# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_is_zero

# the job cost view's columns from the forecasts
FORECAST_FIGURES = ("forecast_to_complete", "prior_projected", "fade_gain")


class ConstructionForecast(models.Model):
    """A job's monthly cost-to-complete forecast: per cost code, what the project
    manager expects still to spend beyond what is spent (actual) and ordered
    (committed). Versioned per period; approved like a budget (another person than
    its preparer); approving a version supersedes the period's previous one.

    At approval each line keeps the actual and committed cost of that moment, so an
    approved forecast stays what was reported: the projected cost at completion of
    the period, against which the next period's fade or gain is measured."""

    _name = "construction.forecast"
    _description = "Cost-to-Complete Forecast"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "integration.lineage.mixin",
        "construction.approval.mixin",
    ]
    _order = "job_id, period_date desc, version desc"

    name = fields.Char(compute="_compute_name", store=True)
    job_id = fields.Many2one(
        "project.project",
        required=True,
        ondelete="restrict",
        index=True,
        domain=[("is_job", "=", True)],
        tracking=True,
    )
    company_id = fields.Many2one(related="job_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    period_date = fields.Date(
        string="Period",
        required=True,
        index=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        tracking=True,
        help="The month the forecast is for (stored as its first day).",
    )
    version = fields.Integer(
        required=True,
        default=1,
        readonly=True,
        copy=False,
        help="Versions of the same job and period: the approved one counts.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("approved", "Approved"), ("superseded", "Superseded")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    line_ids = fields.One2many("construction.forecast.line", "forecast_id", copy=True)
    forecast_to_complete = fields.Monetary(
        compute="_compute_totals",
        store=True,
        help="Cost still to be spent beyond actual and committed cost.",
    )
    projected_cost = fields.Monetary(
        string="Projected at Completion",
        compute="_compute_totals",
        store=True,
        help="Actual + committed + forecast to complete, as at approval (live "
        "figures while draft are on the job cost view).",
    )
    note = fields.Text()

    _approval_pending_states = ("draft",)
    _approval_locked_states = ("approved", "superseded")
    _approval_figure_fields = ("job_id", "period_date", "line_ids")
    _approval_free_fields = ("note",)

    _sql_constraints = [
        (
            "version_uniq",
            "unique(job_id, period_date, version)",
            "A forecast version is unique per job and period.",
        )
    ]

    @api.depends("job_id.display_name", "period_date", "version")
    def _compute_name(self):
        for forecast in self:
            forecast.name = _(
                "%(job)s forecast %(period)s v%(version)s",
                job=forecast.job_id.display_name,
                period=forecast.period_date and forecast.period_date.strftime("%Y-%m"),
                version=forecast.version,
            )

    @api.depends("line_ids.forecast_to_complete", "line_ids.projected_cost")
    def _compute_totals(self):
        for forecast in self:
            forecast.forecast_to_complete = sum(
                forecast.line_ids.mapped("forecast_to_complete")
            )
            forecast.projected_cost = sum(forecast.line_ids.mapped("projected_cost"))

    @api.model
    def _month_start(self, value):
        return fields.Date.to_date(value).replace(day=1)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("period_date"):
                vals["period_date"] = self._month_start(vals["period_date"])
            if vals.get("job_id") and vals.get("period_date") and "version" not in vals:
                last = self.search(
                    [
                        ("job_id", "=", vals["job_id"]),
                        ("period_date", "=", vals["period_date"]),
                    ],
                    order="version desc",
                    limit=1,
                )
                vals["version"] = (last.version or 0) + 1
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("period_date"):
            vals = dict(vals, period_date=self._month_start(vals["period_date"]))
        return super().write(vals)

    def _approval_amount(self):
        self.ensure_one()
        return self.forecast_to_complete

    def _job_cost_to_date(self):
        """{(job id, cost code id, cost type): (actual, committed)} of these
        forecasts' jobs, from the job cost view (one query)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT job_id, cost_code_id, cost_type, sum(actual), sum(committed) "
                "FROM construction_job_cost WHERE job_id IN %s "
                "GROUP BY job_id, cost_code_id, cost_type",
                tuple(self.job_id.ids),
            )
        )
        return {
            (job_id, cost_code_id, cost_type): (actual, committed)
            for job_id, cost_code_id, cost_type, actual, committed in (
                self.env.cr.fetchall()
            )
        }

    def action_approve(self):
        """Give the current user's approval; a forecast with every approval it
        needs takes the cost to date of this moment, is locked and supersedes the
        period's previous version."""
        for forecast in self:
            if not forecast.line_ids:
                raise UserError(_("%s has no lines.", forecast.name))
        approved = self._approval_approve()
        if not approved:
            return True
        to_date = approved._job_cost_to_date()
        lines = approved.line_ids
        # a cost code on several lines (phases) takes its cost to date once; lines
        # with the same figures are written together
        by_figures, seen = defaultdict(lambda: lines.browse()), set()
        for line in lines:
            key = (line.job_id.id, line.cost_code_id.id, line.cost_type)
            figures = (0.0, 0.0) if key in seen else to_date.get(key, (0.0, 0.0))
            seen.add(key)
            by_figures[figures] |= line
        with lines._forecast_snapshot_unlock():
            for (actual, committed), same in by_figures.items():
                same.write({"actual_cost": actual, "committed_cost": committed})
        for forecast in approved:
            previous = self.search(
                [
                    ("job_id", "=", forecast.job_id.id),
                    ("period_date", "=", forecast.period_date),
                    ("state", "=", "approved"),
                    ("id", "!=", forecast.id),
                ]
            )
            if previous:
                previous._approval_write({"state": "superseded"})
        approved._approval_log(
            dict.fromkeys(
                approved.ids, _("Approved and locked by %s.", self.env.user.name)
            )
        )
        return True

    def action_new_version(self):
        """A new draft version of the same period, starting from this one."""
        self.ensure_one()
        if self.state == "draft":
            raise UserError(_("Approve %s before revising it.", self.name))
        return self._open(self.copy({"job_id": self.job_id.id}))

    def action_next_period(self):
        """A draft for the following month, starting from this forecast's
        figures: the project manager changes what moved."""
        self.ensure_one()
        next_period = fields.Date.add(self.period_date, months=1)
        return self._open(
            self.copy({"job_id": self.job_id.id, "period_date": next_period})
        )

    def action_fill_from_job_cost(self):
        """Lines for every cost code of the job cost view, each forecasting what
        the revised budget still leaves (revised − actual − committed, never
        below zero): the project manager corrects from there."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(_("%s is locked.", self.name))
        currency = self.currency_id
        existing = {(line.cost_code_id, line.cost_type) for line in self.line_ids}
        rows = self.env["construction.job.cost"].search(
            [("job_id", "=", self.job_id.id), ("cost_code_id", "!=", False)]
        )
        vals = [
            {
                "forecast_id": self.id,
                "cost_code_id": row.cost_code_id.id,
                "cost_type": row.cost_type,
                "forecast_to_complete": max(
                    row.revised_budget - row.actual - row.committed, 0.0
                ),
            }
            for row in rows
            if (row.cost_code_id, row.cost_type) not in existing
            and not float_is_zero(
                abs(row.revised_budget) + abs(row.actual) + abs(row.committed),
                precision_rounding=currency.rounding,
            )
        ]
        self.env["construction.forecast.line"].create(vals)
        return True

    def _open(self, forecast):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": forecast.id,
            "view_mode": "form",
        }

    @api.model
    def _job_cost_forecast_sql(self):
        """Rows (job_id, cost_code_id, cost_type, forecast_to_complete,
        prior_projected) of each job's current forecast (its approved forecast of
        the latest period) and of the approved forecast of the period before it,
        for the job cost view. A job has a current forecast when it appears in
        ``_job_cost_forecast_jobs_sql``."""
        return SQL(
            """
            WITH current_fc AS (
                SELECT DISTINCT ON (job_id) id, job_id, period_date
                  FROM construction_forecast
                 WHERE state = 'approved'
                 ORDER BY job_id, period_date DESC
            ), prior_fc AS (
                SELECT DISTINCT ON (f.job_id) f.id
                  FROM construction_forecast f
                  JOIN current_fc c
                    ON c.job_id = f.job_id AND f.period_date < c.period_date
                 WHERE f.state = 'approved'
                 ORDER BY f.job_id, f.period_date DESC
            )
            SELECT l.job_id, l.cost_code_id, l.cost_type,
                   sum(CASE WHEN l.forecast_id IN (SELECT id FROM current_fc)
                            THEN l.forecast_to_complete ELSE 0 END)
                       AS forecast_to_complete,
                   sum(CASE WHEN l.forecast_id IN (SELECT id FROM prior_fc)
                            THEN l.projected_cost ELSE 0 END) AS prior_projected,
                   bool_or(l.forecast_id IN (SELECT id FROM prior_fc)) AS has_prior
              FROM construction_forecast_line l
             WHERE l.forecast_id IN (SELECT id FROM current_fc UNION ALL
                                     SELECT id FROM prior_fc)
             GROUP BY l.job_id, l.cost_code_id, l.cost_type
            """
        )

    @api.model
    def _job_cost_forecast_jobs_sql(self):
        return SQL(
            "SELECT DISTINCT job_id FROM construction_forecast WHERE state = 'approved'"
        )
