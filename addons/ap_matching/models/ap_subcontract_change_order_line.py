# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ApSubcontractChangeOrderLine(models.Model):
    _name = "ap.subcontract.change.order.line"
    _description = "Subcontract Change Order Line"
    _inherit = ["construction.approval.line.mixin", "analytic.mixin"]
    _approval_document_field = "change_order_id"

    change_order_id = fields.Many2one(
        "ap.subcontract.change.order", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="change_order_id.company_id", store=True)
    currency_id = fields.Many2one(related="change_order_id.currency_id")
    order_line_id = fields.Many2one(
        "purchase.order.line",
        string="Item",
        domain="[('order_id', '=', parent.order_id), ('display_type', '=', False)]",
        help="The schedule of values item that changes; empty: a new item.",
    )
    name = fields.Char(string="Description", required=True)
    product_id = fields.Many2one(
        "product.product",
        help="A new item's product; empty: the subcontract's first item's.",
    )
    amount = fields.Monetary(
        required=True, help="Added to the item's value (negative: deducted)."
    )

    @api.onchange("order_line_id")
    def _onchange_order_line_id(self):
        if self.order_line_id:
            self.name = self.name or self.order_line_id.name
            self.analytic_distribution = self.order_line_id.analytic_distribution

    @api.constrains("order_line_id", "change_order_id", "analytic_distribution")
    def _check_item(self):
        for line in self:
            order = line.change_order_id.order_id
            if line.order_line_id and line.order_line_id.order_id != order:
                raise ValidationError(
                    _("%s is not an item of this subcontract.", line.order_line_id.name)
                )
            if not line.order_line_id and not line.analytic_distribution:
                raise ValidationError(
                    _("A new item (%s) needs its job × cost code.", line.name)
                )
