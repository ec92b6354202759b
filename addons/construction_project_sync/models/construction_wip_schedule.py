# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .construction_job_cost import EXPENSE_ACCOUNT_TYPES

# the figures of a WIP schedule line, summed on the schedule
WIP_FIGURES = (
    "contract_value",
    "estimated_cost",
    "estimated_profit",
    "cost_to_date",
    "earned_revenue",
    "billed_to_date",
    "over_billing",
    "under_billing",
)


class ConstructionWipSchedule(models.Model):
    """The work-in-progress schedule of a company at a month end: per job the
    revised contract, estimated cost at completion, cost to date, percent complete,
    earned revenue, billed to date and the over- or under-billing.

    A record, not only a report: it is what was reported to the surety and the
    bank. A controller computes it (as often as needed while draft); another person
    closes it, which freezes it and drafts one revenue recognition entry per job
    that moves its over/under-billing to the balance sheet; posting an entry posts
    its reversal on the first day of the next month."""

    _name = "construction.wip.schedule"
    _description = "WIP Schedule"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "construction.approval.mixin",
    ]
    _order = "period_date desc, company_id"

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    period_date = fields.Date(
        string="Period End",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        ),
        tracking=True,
        help="The last day of the month the schedule reports; costs and billings "
        "dated up to it count.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("closed", "Closed")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    computed_at = fields.Datetime(readonly=True, copy=False)
    line_ids = fields.One2many(
        "construction.wip.schedule.line", "schedule_id", readonly=True
    )
    move_ids = fields.One2many(
        "account.move",
        "construction_wip_schedule_id",
        string="Recognition Entries",
        readonly=True,
    )
    move_count = fields.Integer(compute="_compute_move_count")
    contract_value = fields.Monetary(compute="_compute_totals", store=True)
    estimated_cost = fields.Monetary(compute="_compute_totals", store=True)
    estimated_profit = fields.Monetary(compute="_compute_totals", store=True)
    cost_to_date = fields.Monetary(compute="_compute_totals", store=True)
    earned_revenue = fields.Monetary(compute="_compute_totals", store=True)
    billed_to_date = fields.Monetary(compute="_compute_totals", store=True)
    over_billing = fields.Monetary(
        compute="_compute_totals",
        store=True,
        help="Billings in excess of costs and estimated earnings: a liability.",
    )
    under_billing = fields.Monetary(
        compute="_compute_totals",
        store=True,
        help="Costs and estimated earnings in excess of billings: an asset.",
    )
    note = fields.Text()

    _approval_pending_states = ("draft",)
    _approval_approved_state = "closed"
    _approval_locked_states = ("closed",)
    _approval_group = "construction_project_sync.group_project_approver"
    _approval_figure_fields = ("company_id", "period_date")
    _approval_free_fields = ("note",)
    _approval_extra_protected_fields = ("computed_at",)

    _sql_constraints = [
        (
            "period_company_uniq",
            "unique(company_id, period_date)",
            "A company has one WIP schedule per period.",
        )
    ]

    @api.depends("period_date", "company_id.name")
    def _compute_name(self):
        for schedule in self:
            schedule.name = _(
                "WIP %(period)s %(company)s",
                period=schedule.period_date and schedule.period_date.strftime("%Y-%m"),
                company=schedule.company_id.name,
            )

    @api.depends(*(f"line_ids.{name}" for name in WIP_FIGURES))
    def _compute_totals(self):
        for schedule in self:
            for name in WIP_FIGURES:
                schedule[name] = sum(schedule.line_ids.mapped(name))

    def _compute_move_count(self):
        # sudo: the number of the schedule's own entries, shown to controllers
        # who may not read journal entries
        counts = dict(
            self.env["account.move"]
            .sudo()
            ._read_group(
                [("construction_wip_schedule_id", "in", self.ids)],
                ["construction_wip_schedule_id"],
                ["__count"],
            )
        )
        for schedule in self:
            schedule.move_count = counts.get(schedule._origin, 0)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("period_date"):
                vals["period_date"] = self._month_end(vals["period_date"])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("period_date"):
            vals = dict(vals, period_date=self._month_end(vals["period_date"]))
        result = super().write(vals)
        if {"company_id", "period_date"} & set(vals):
            # figures of another company or month: they are worked out again
            stale = self.filtered("computed_at")
            with stale._approval_unlock():
                stale.line_ids.unlink()
                stale.computed_at = False
        return result

    @api.model
    def _month_end(self, value):
        return fields.Date.end_of(fields.Date.to_date(value), "month")

    def _approval_job(self):
        return self.env["project.project"]

    def _approval_amount(self):
        self.ensure_one()
        return max(self.over_billing, self.under_billing)

    # ------------------------------------------------------------------ figures
    def _wip_sql(self):
        """One row per job of the company with a contract, cost or billing to the
        period end: its WIP figures, worked out by the database."""
        self.ensure_one()
        job_cost = self.env["construction.job.cost"]
        return SQL(
            """
            WITH jobs AS (
                SELECT id, account_id, coalesce(contract_value, 0) AS contract_value,
                       coalesce(wip_progress_method, 'cost') AS progress_method
                  FROM project_project
                 WHERE is_job AND active AND company_id = %(company)s
                   AND coalesce(job_state, 'bid') != 'bid'
            ), changes AS (
                SELECT co.job_id, sum(co.price_total) AS amount
                  FROM construction_change_order co
                  JOIN jobs ON jobs.id = co.job_id
                 WHERE co.state = 'approved' AND co.kind = 'owner'
                   AND co.approved_at < %(next_period)s
                 GROUP BY co.job_id
            ), costs AS (
                SELECT jobs.id AS job_id, sum(-aal.amount) AS amount
                  FROM account_analytic_line aal
                  JOIN jobs ON jobs.account_id = aal.account_id
                  LEFT JOIN account_account expense
                    ON expense.id = aal.general_account_id
                   AND expense.account_type IN %(expense_types)s
                  LEFT JOIN (%(approved_lines)s) approved ON approved.id = aal.id
                 WHERE aal.date <= %(period_end)s
                   AND ((aal.move_line_id IS NOT NULL AND expense.id IS NOT NULL)
                        OR approved.id IS NOT NULL)
                 GROUP BY jobs.id
            ), forecast AS (
                SELECT DISTINCT ON (f.job_id) f.job_id, f.projected_cost
                  FROM construction_forecast f
                  JOIN jobs ON jobs.id = f.job_id
                 WHERE f.state = 'approved' AND f.period_date <= %(period_end)s
                 ORDER BY f.job_id, f.period_date DESC
            ), projected AS (
                SELECT jc.job_id, sum(jc.projected) AS amount
                  FROM construction_job_cost jc
                  JOIN jobs ON jobs.id = jc.job_id
                 GROUP BY jc.job_id
            ), physical AS (
                SELECT sov.job_id,
                       sum(sov.scheduled_value * coalesce(sov.reported_percent, 0))
                           / nullif(sum(sov.scheduled_value), 0) / 100 AS ratio
                  FROM construction_sov_line sov
                  JOIN jobs ON jobs.id = sov.job_id
                 GROUP BY sov.job_id
            ), billed AS (
                SELECT m.construction_job_id AS job_id, sum(-aml.balance) AS amount
                  FROM account_move_line aml
                  JOIN account_move m ON m.id = aml.move_id
                 WHERE m.state = 'posted' AND m.construction_billing_kind = 'progress'
                   AND m.company_id = %(company)s AND m.date <= %(period_end)s
                   AND aml.display_type = 'product'
                   AND NOT coalesce(aml.construction_retention, false)
                 GROUP BY m.construction_job_id
            ), figures AS (
                SELECT jobs.id AS job_id, jobs.progress_method,
                       jobs.contract_value + coalesce(changes.amount, 0)
                           AS contract_value,
                       coalesce(costs.amount, 0) AS cost_to_date,
                       -- an estimate below what is spent already is stale
                       greatest(coalesce(forecast.projected_cost, projected.amount, 0),
                                coalesce(costs.amount, 0)) AS estimated_cost,
                       coalesce(billed.amount, 0) AS billed_to_date,
                       physical.ratio AS physical_ratio
                  FROM jobs
                  LEFT JOIN changes ON changes.job_id = jobs.id
                  LEFT JOIN costs ON costs.job_id = jobs.id
                  LEFT JOIN forecast ON forecast.job_id = jobs.id
                  LEFT JOIN projected ON projected.job_id = jobs.id
                  LEFT JOIN physical ON physical.job_id = jobs.id
                  LEFT JOIN billed ON billed.job_id = jobs.id
            ), progress AS (
                SELECT f.*,
                       CASE WHEN f.progress_method = 'physical'
                                THEN least(coalesce(f.physical_ratio, 0), 1)
                            WHEN f.estimated_cost > 0
                                THEN least(f.cost_to_date / f.estimated_cost, 1)
                            ELSE 0 END AS ratio
                  FROM figures f
                 WHERE f.contract_value != 0 OR f.cost_to_date != 0
                    OR f.billed_to_date != 0
            )
            SELECT job_id, progress_method, contract_value, estimated_cost,
                   cost_to_date, billed_to_date, ratio,
                   round(contract_value * ratio, %(digits)s) AS earned_revenue
              FROM progress
             ORDER BY job_id
            """,
            company=self.company_id.id,
            period_end=self.period_date,
            next_period=fields.Datetime.to_datetime(
                self.period_date + timedelta(days=1)
            ),
            expense_types=EXPENSE_ACCOUNT_TYPES,
            approved_lines=job_cost._approved_analytic_lines_sql(),
            digits=self.currency_id.decimal_places,
        )

    def action_compute(self):
        """Work the schedule out again from job cost, forecasts and billings."""
        self.check_access("write")
        if not self.env.user.has_group(
            "construction_project_sync.group_project_controller"
        ):
            raise UserError(_("Only a project controller computes a WIP schedule."))
        self._approval_check_state(["draft"], _("computed"))
        self.env.flush_all()
        for schedule in self:
            self.env.cr.execute(schedule._wip_sql())
            rows = self.env.cr.dictfetchall()
            with schedule._approval_unlock():
                schedule.line_ids.unlink()
                self.env["construction.wip.schedule.line"].create(
                    [
                        {
                            "schedule_id": schedule.id,
                            "job_id": row["job_id"],
                            "progress_method": row["progress_method"],
                            "contract_value": row["contract_value"],
                            "estimated_cost": row["estimated_cost"],
                            "cost_to_date": row["cost_to_date"],
                            "percent_complete": float(row["ratio"]) * 100,
                            "earned_revenue": row["earned_revenue"],
                            "billed_to_date": row["billed_to_date"],
                        }
                        for row in rows
                    ]
                )
                schedule.computed_at = fields.Datetime.now()
            # whoever computes the figures prepared them: another person closes
            schedule._approval_figures_changed()
        return True

    # ------------------------------------------------------------------ close
    def action_close(self):
        """Approve the schedule as reported: it is frozen, and each job with an
        over- or under-billing gets a draft revenue recognition entry dated the
        period end."""
        for schedule in self:
            if not schedule.computed_at:
                raise UserError(_("Compute %s before closing it.", schedule.name))
            self.env["integration.freeze"]._check_posting(
                schedule.company_id, [schedule.period_date]
            )
            schedule.company_id._construction_wip_accounts()
        closed = self._approval_approve()
        closed._create_recognition_entries()
        closed._approval_log(
            dict.fromkeys(
                closed.ids,
                _("Closed by %s: figures frozen as reported.", self.env.user.name),
            )
        )
        return True

    def _create_recognition_entries(self):
        vals_list = []
        for schedule in self:
            accounts = schedule.company_id._construction_wip_accounts()
            for line in schedule.line_ids:
                vals = line._recognition_move_vals(accounts)
                if vals:
                    vals_list.append(vals)
        # sudo: closing the schedule is an approver's act; the entries are drafts
        # that accounting posts (action_post_entries), as progress invoices are
        return self.env["account.move"].sudo().create(vals_list)

    def action_post_entries(self):
        """Post the draft recognition entries (each posts its reversal dated the
        first day of the next month): accounting's act, under lock dates and the
        hub's freezes."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise UserError(
                _("Posting journal entries takes invoicing or accounting rights.")
            )
        drafts = self.move_ids.filtered(
            lambda m: m.state == "draft" and not m.reversed_entry_id
        )
        if not drafts:
            raise UserError(_("There is no draft recognition entry to post."))
        drafts.action_post()
        return True

    def action_view_moves(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Recognition Entries"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("construction_wip_schedule_id", "=", self.id)],
        }

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_wip_schedule_line"
        )
        action["domain"] = [("schedule_id", "=", self.id)]
        action["context"] = {}
        return action
