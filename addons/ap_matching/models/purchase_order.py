# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

# a change of these on an order moves the match of its bills
ORDER_FIGURES = {"state", "construction_closed_out", "partner_id", "currency_id"}


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    def write(self, vals):
        result = super().write(vals)
        if ORDER_FIGURES & set(vals):
            self.env["account.move"]._ap_rematch_order_lines(self.order_line)
        return result
