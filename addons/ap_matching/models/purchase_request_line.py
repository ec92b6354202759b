# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import float_compare


class PurchaseRequestLine(models.Model):
    """A line of a material request: coded to the request's job and a cost code,
    which become its analytic distribution and so the purchase order line's
    commitment in job cost. Locked with its request once approved."""

    _name = "purchase.request.line"
    _inherit = ["purchase.request.line", "construction.approval.line.mixin"]
    _approval_document_field = "request_id"

    cost_code_id = fields.Many2one(
        "construction.cost.code",
        ondelete="restrict",
        compute="_compute_cost_code_id",
        store=True,
        readonly=False,
        precompute=True,
        help="The request's cost code unless the line names its own.",
    )
    bill_state = fields.Selection(
        [("none", "Not Billed"), ("partial", "Partly Billed"), ("billed", "Billed")],
        compute="_compute_bill_state",
        help="What the vendor billed, on posted bills, of the purchase order lines "
        "made from it.",
    )

    @api.depends("request_id.cost_code_id")
    def _compute_cost_code_id(self):
        for line in self:
            line.cost_code_id = line.cost_code_id or line.request_id.cost_code_id

    @api.depends("request_id.job_id", "cost_code_id")
    def _compute_analytic_distribution(self):
        coded = self.filtered(
            lambda line: (
                line.request_id.job_id.account_id
                and line.cost_code_id.analytic_account_id
            )
        )
        for line in coded:
            line.analytic_distribution = line.request_id.job_id._analytic_distribution(
                line.cost_code_id
            )
        return super(PurchaseRequestLine, self - coded)._compute_analytic_distribution()

    @api.depends(
        "purchase_lines.product_qty",
        "purchase_lines.invoice_lines.quantity",
        "purchase_lines.invoice_lines.parent_state",
    )
    def _compute_bill_state(self):
        for line in self:
            ordered = billed = 0.0
            for order_line in line.purchase_lines:
                ordered += order_line.product_qty
                # posted bills only: a draft is not billed yet (as in job cost)
                for bill_line in order_line.invoice_lines.filtered(
                    lambda bl: bl.parent_state == "posted"
                ):
                    quantity = bill_line.product_uom_id._compute_quantity(
                        bill_line.quantity, order_line.product_uom
                    )
                    sign = -1 if bill_line.move_id.move_type == "in_refund" else 1
                    billed += sign * quantity
            rounding = line.product_uom_id.rounding or 0.01
            if float_compare(billed, 0, precision_rounding=rounding) <= 0:
                line.bill_state = "none"
            elif float_compare(billed, ordered, precision_rounding=rounding) < 0:
                line.bill_state = "partial"
            else:
                line.bill_state = "billed"

    def _ap_vendor(self):
        """Who the line is ordered from: the product's vendor, else the cost
        code's preferred vendor."""
        self.ensure_one()
        return self.supplier_id or self.cost_code_id.ap_preferred_vendor_id
