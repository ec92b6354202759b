# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount


class ConstructionPayApplicationLine(models.Model):
    """A G703 row: one schedule of values item on one pay application."""

    _name = "construction.pay.application.line"
    _description = "Pay Application Line"
    _inherit = ["construction.approval.line.mixin", "construction.g703.line.mixin"]
    _order = "application_id, sequence, id"
    _approval_document_field = "application_id"

    application_id = fields.Many2one(
        "construction.pay.application", required=True, ondelete="cascade", index=True
    )
    job_id = fields.Many2one(related="application_id.job_id", store=True, index=True)
    company_id = fields.Many2one(related="application_id.company_id", store=True)
    currency_id = fields.Many2one(related="application_id.currency_id")
    state = fields.Selection(related="application_id.state", store=True)
    sov_line_id = fields.Many2one(
        "construction.sov.line",
        string="Schedule of Values Item",
        required=True,
        ondelete="restrict",
        index=True,
    )
    sequence = fields.Integer(related="sov_line_id.sequence", store=True)
    item = fields.Char(related="sov_line_id.item", string="Item No.")
    name = fields.Char(related="sov_line_id.name", string="Description of Work")
    cost_code_id = fields.Many2one(related="sov_line_id.cost_code_id")
    reported_percent = fields.Float(
        related="sov_line_id.reported_percent", string="Field Reported (%)"
    )
    suggested_this_period = fields.Monetary(
        compute="_compute_suggested_this_period",
        help="What the field's reported completion means for this period: reported "
        "% x scheduled value - previous applications.",
    )

    _sql_constraints = [
        (
            "sov_line_uniq",
            "unique(application_id, sov_line_id)",
            "An item appears once on a pay application.",
        )
    ]

    @api.depends(
        "sov_line_id.reported_percent",
        "sov_line_id.reported_at",
        "scheduled_value",
        "previous_amount",
    )
    def _compute_suggested_this_period(self):
        for line in self:
            currency = line.currency_id or self.env.company.currency_id
            line.suggested_this_period = (
                currency.round(
                    line.scheduled_value * line.sov_line_id.reported_percent / 100.0
                )
                - line.previous_amount
                if line.sov_line_id.reported_at
                else 0.0
            )

    @api.constrains("sov_line_id", "application_id")
    def _check_same_job(self):
        for line in self:
            if line.sov_line_id.job_id != line.application_id.job_id:
                raise ValidationError(
                    _(
                        "Item %s belongs to another job's schedule of values.",
                        line.item,
                    )
                )

    @api.constrains("this_period", "materials_stored", "scheduled_value")
    def _check_not_over_scheduled(self):
        for line in self:
            app = line.application_id
            if app.allow_overbilling or app.state == "cancel":
                continue
            compare = line.currency_id.compare_amounts
            to_date, scheduled = line.total_to_date, line.scheduled_value
            if compare(to_date, 0) and (
                compare(abs(to_date), abs(scheduled)) > 0
                or (to_date > 0) != (scheduled > 0)
            ):
                raise ValidationError(
                    _(
                        "Item %(item)s: completed and stored to date (%(to_date)s) "
                        "would be beyond its scheduled value (%(scheduled)s). Lower "
                        "this period or the stored materials, or have an approver "
                        "allow billing over 100%% on the application.",
                        item=line.item,
                        to_date=format_amount(self.env, to_date, line.currency_id),
                        scheduled=format_amount(self.env, scheduled, line.currency_id),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        sov_lines = self.env["construction.sov.line"]
        for vals in vals_list:
            # the item's value now; _refresh_from_job completes the snapshot
            if vals.get("sov_line_id") and "scheduled_value" not in vals:
                vals["scheduled_value"] = sov_lines.browse(
                    vals["sov_line_id"]
                ).scheduled_value
        return super().create(vals_list)
