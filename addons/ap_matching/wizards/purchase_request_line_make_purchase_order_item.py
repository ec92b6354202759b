# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PurchaseRequestLineMakePurchaseOrderItem(models.TransientModel):
    """An item of purchase_request's "Create RFQ" wizard. Its request and product
    are the approved line's and stay so: purchase_request lets them be edited,
    which would write them back onto the approved (locked) request line."""

    _inherit = "purchase.request.line.make.purchase.order.item"

    request_id = fields.Many2one(readonly=True)
    product_id = fields.Many2one(readonly=True)
