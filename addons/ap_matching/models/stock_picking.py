# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        result = super()._action_done()
        # received (or returned) quantities changed: the bills waiting on them
        # are matched again
        self.env["account.move"]._ap_rematch_order_lines(self.move_ids.purchase_line_id)
        return result
