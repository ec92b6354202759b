# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount


class ApSubcontractPayAppLine(models.Model):
    """A G703 row of a subcontractor's pay application: one item of the
    subcontract's schedule of values (an order line)."""

    _name = "ap.subcontract.pay.app.line"
    _description = "Subcontractor Pay Application Line"
    _inherit = ["construction.approval.line.mixin", "construction.g703.line.mixin"]
    _order = "application_id, sequence, id"
    _approval_document_field = "application_id"

    application_id = fields.Many2one(
        "ap.subcontract.pay.app", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="application_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="application_id.currency_id")
    state = fields.Selection(related="application_id.state", store=True)
    order_line_id = fields.Many2one(
        "purchase.order.line",
        string="Schedule of Values Item",
        required=True,
        ondelete="restrict",
        index=True,
    )
    sequence = fields.Integer(related="order_line_id.sequence", store=True)
    name = fields.Text(related="order_line_id.name", string="Description of Work")
    analytic_distribution = fields.Json(
        related="order_line_id.analytic_distribution", string="Job × Cost Code"
    )
    # read beside the distribution by its widget (as analytic.mixin declares it)
    analytic_precision = fields.Integer(
        store=False,
        default=lambda self: self.env["decimal.precision"].precision_get(
            "Percentage Analytic"
        ),
    )
    # the G703 columns are the mixin's; a subcontractor's are certified
    previous_amount = fields.Monetary(
        help="Work completed on earlier certified applications (D + E of those).",
    )
    previous_stored = fields.Monetary(
        help="Materials stored on the previous certified application.",
    )
    previous_retainage = fields.Monetary(
        readonly=True,
        help="Retainage to date on the previous certified application: this "
        "application withholds only the difference.",
    )
    retainage = fields.Monetary(string="Retainage to Date")

    # taken from the subcontract by the application's refresh, never typed in
    _ap_snapshot_fields = (
        "order_line_id",
        "scheduled_value",
        "previous_amount",
        "previous_stored",
        "previous_retainage",
    )

    _sql_constraints = [
        (
            "order_line_uniq",
            "unique(application_id, order_line_id)",
            "An item appears once on a pay application.",
        )
    ]

    @api.constrains("order_line_id", "application_id")
    def _check_same_subcontract(self):
        for line in self:
            if line.order_line_id.order_id != line.application_id.order_id:
                raise ValidationError(
                    _(
                        "%s is not an item of this application's subcontract.",
                        line.order_line_id.display_name,
                    )
                )

    @api.constrains("this_period", "materials_stored", "scheduled_value")
    def _check_not_over_scheduled(self):
        for line in self:
            if line.application_id.state == "cancel":
                continue
            compare = line.currency_id.compare_amounts
            if compare(line.total_to_date, line.scheduled_value) > 0:
                raise ValidationError(
                    _(
                        "%(item)s: completed and stored to date (%(to_date)s) would be "
                        "beyond its scheduled value (%(scheduled)s). A subcontract "
                        "change order raises the value first.",
                        item=line.name,
                        to_date=format_amount(
                            self.env, line.total_to_date, line.currency_id
                        ),
                        scheduled=format_amount(
                            self.env, line.scheduled_value, line.currency_id
                        ),
                    )
                )
            if (
                compare(line.total_to_date, 0) < 0
                or compare(line.materials_stored, 0) < 0
            ):
                raise ValidationError(
                    _(
                        "%s: completed and stored to date, and stored materials, "
                        "cannot be negative.",
                        line.name,
                    )
                )

    def write(self, vals):
        snapshot = set(self._ap_snapshot_fields) & set(vals)
        if snapshot and not self.application_id._approval_is_unlocked():
            raise UserError(
                _(
                    "%s of a pay application line comes from the subcontract and "
                    "earlier certified applications; it cannot be written.",
                    self._fields[sorted(snapshot)[0]].string,
                )
            )
        return super().write(vals)
