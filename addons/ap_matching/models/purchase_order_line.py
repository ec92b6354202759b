# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

# a change of these on an order line moves the match of the bills billing it
ORDER_LINE_FIGURES = {
    "product_qty",
    "price_unit",
    "discount",
    "product_uom",
    "product_id",
    "taxes_id",
    "analytic_distribution",
}


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    def write(self, vals):
        result = super().write(vals)
        if ORDER_LINE_FIGURES & set(vals):
            self.env["account.move"]._ap_rematch_order_lines(self)
        return result
