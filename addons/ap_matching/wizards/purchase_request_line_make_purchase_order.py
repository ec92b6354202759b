# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, models
from odoo.exceptions import UserError


class PurchaseRequestLineMakePurchaseOrder(models.TransientModel):
    _inherit = "purchase.request.line.make.purchase.order"

    def make_purchase_order(self):
        # the vendor policy holds whichever way an order is made from requests
        for wizard in self:
            problem = wizard.supplier_id._ap_purchase_problem()
            if problem:
                raise UserError(
                    _(
                        "No order to %(vendor)s: %(problem)s",
                        vendor=wizard.supplier_id.display_name,
                        problem=problem,
                    )
                )
        return super().make_purchase_order()
