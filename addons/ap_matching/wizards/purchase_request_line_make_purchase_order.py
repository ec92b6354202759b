# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, models
from odoo.exceptions import UserError

ORDERABLE_STATES = ("approved", "in_progress")


class PurchaseRequestLineMakePurchaseOrder(models.TransientModel):
    """purchase_request's "Create RFQ": a buyer orders approved lines from the
    vendor they choose. The vendor policy holds here as on Order from Vendors."""

    _inherit = "purchase.request.line.make.purchase.order"

    def make_purchase_order(self):
        for wizard in self:
            lines = wizard.item_ids.line_id
            problem = wizard.supplier_id._ap_purchase_problem(
                min(filter(None, lines.mapped("date_required")), default=None),
                lines.cost_code_id.mapped("cost_type"),
            )
            if problem:
                raise UserError(
                    _(
                        "No order to %(vendor)s: %(problem)s",
                        vendor=wizard.supplier_id.display_name,
                        problem=problem,
                    )
                )
        requests = self.item_ids.line_id.request_id
        if requests.filtered(lambda r: r.state not in ORDERABLE_STATES):
            # purchase_request's own check says which one, in its words
            return super().make_purchase_order()
        # the requests are approved (locked): ordering is the transition that
        # records the order lines on them
        with requests._approval_unlock():
            return super().make_purchase_order()
