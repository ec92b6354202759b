# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

PROGRESS_METHODS = [
    ("cost", "Cost to Cost"),
    ("physical", "Physical Progress (schedule of values)"),
]


class ConstructionWipScheduleLine(models.Model):
    """A job's line of a WIP schedule. Its figures come from the schedule's
    computation only: nobody writes them."""

    _name = "construction.wip.schedule.line"
    _description = "WIP Schedule Line"
    _order = "schedule_id, job_id"

    schedule_id = fields.Many2one(
        "construction.wip.schedule", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="schedule_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="schedule_id.currency_id")
    period_date = fields.Date(related="schedule_id.period_date", store=True)
    state = fields.Selection(related="schedule_id.state")
    job_id = fields.Many2one("project.project", required=True, ondelete="restrict")
    progress_method = fields.Selection(PROGRESS_METHODS, required=True)
    contract_value = fields.Monetary(
        string="Contract (Revised)",
        help="Original contract + owner change orders approved by the period end.",
    )
    estimated_cost = fields.Monetary(
        string="Estimated Cost at Completion",
        help="The projected cost of the job's approved forecast for the period (or "
        "earlier), else job cost's projection; never below the cost to date.",
    )
    estimated_profit = fields.Monetary(
        string="Estimated Gross Profit",
        compute="_compute_figures",
        store=True,
    )
    cost_to_date = fields.Monetary(help="Job cost dated up to the period end.")
    cost_to_complete = fields.Monetary(compute="_compute_figures", store=True)
    percent_complete = fields.Float(
        string="Complete (%)",
        digits=(16, 2),
        help="Cost to date ÷ estimated cost (cost to cost), or the field's reported "
        "progress weighted by the schedule of values (physical), at most 100.",
    )
    earned_revenue = fields.Monetary(help="Contract × percent complete.")
    billed_to_date = fields.Monetary(
        help="Posted progress billings dated up to the period end, before retention "
        "and taxes."
    )
    gross_profit_to_date = fields.Monetary(compute="_compute_figures", store=True)
    over_billing = fields.Monetary(
        string="Over-billing",
        compute="_compute_figures",
        store=True,
        help="Billings in excess of costs and estimated earnings (a liability).",
    )
    under_billing = fields.Monetary(
        string="Under-billing",
        compute="_compute_figures",
        store=True,
        help="Costs and estimated earnings in excess of billings (an asset).",
    )
    move_ids = fields.One2many(
        "account.move",
        "construction_wip_line_id",
        string="Recognition Entries",
        readonly=True,
    )

    @api.depends(
        "contract_value",
        "estimated_cost",
        "cost_to_date",
        "earned_revenue",
        "billed_to_date",
    )
    def _compute_figures(self):
        for line in self:
            line.estimated_profit = line.contract_value - line.estimated_cost
            line.cost_to_complete = line.estimated_cost - line.cost_to_date
            line.gross_profit_to_date = line.earned_revenue - line.cost_to_date
            difference = line.billed_to_date - line.earned_revenue
            line.over_billing = max(difference, 0.0)
            line.under_billing = max(-difference, 0.0)

    def _check_computing(self, schedules):
        if not schedules._approval_is_unlocked():
            raise UserError(
                _(
                    "WIP schedule lines are worked out by computing the schedule; "
                    "they cannot be written."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_computing(
            self.env["construction.wip.schedule"].browse(
                {vals.get("schedule_id") for vals in vals_list}
            )
        )
        return super().create(vals_list)

    def write(self, vals):
        self._check_computing(self.schedule_id)
        return super().write(vals)

    def unlink(self):
        self._check_computing(self.schedule_id)
        return super().unlink()

    def _recognition_move_vals(self, accounts):
        """The entry that carries this job's over- or under-billing to the balance
        sheet at the period end, against the earned revenue adjustment (on the
        job's analytic account); None when it is billed as earned."""
        self.ensure_one()
        currency = self.currency_id
        if currency.is_zero(self.over_billing) and currency.is_zero(self.under_billing):
            return None
        job = self.job_id
        analytic = {str(job.account_id.id): 100.0} if job.account_id else False
        if not currency.is_zero(self.under_billing):
            amount, balance_account = self.under_billing, accounts["under"]
            label = _("Costs and estimated earnings in excess of billings")
        else:
            amount, balance_account = -self.over_billing, accounts["over"]
            label = _("Billings in excess of costs and estimated earnings")
        return {
            "move_type": "entry",
            "journal_id": accounts["journal"].id,
            "date": self.period_date,
            "ref": _(
                "%(label)s, %(job)s, %(period)s",
                label=label,
                job=job.display_name,
                period=self.period_date,
            ),
            "construction_wip_schedule_id": self.schedule_id.id,
            "construction_wip_line_id": self.id,
            "line_ids": [
                (
                    0,
                    0,
                    {
                        "name": label,
                        "account_id": balance_account.id,
                        "balance": amount,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": _("Earned revenue adjustment, %s", job.display_name),
                        "account_id": accounts["revenue"].id,
                        "balance": -amount,
                        "analytic_distribution": analytic,
                    },
                ),
            ],
        }
