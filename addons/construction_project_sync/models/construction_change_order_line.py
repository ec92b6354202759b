# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ConstructionChangeOrderLine(models.Model):
    _name = "construction.change.order.line"
    _description = "Change Order Line"
    _inherit = ["construction.job.line.mixin", "construction.approval.line.mixin"]
    _approval_document_field = "change_order_id"

    change_order_id = fields.Many2one(
        "construction.change.order", required=True, ondelete="cascade", index=True
    )
    job_id = fields.Many2one(
        related="change_order_id.job_id", store=True, required=False
    )
    state = fields.Selection(related="change_order_id.state", store=True)
    description = fields.Char()
    cost_amount = fields.Monetary(string="Cost", help="Change to the cost budget.")
    price_amount = fields.Monetary(
        string="Price", help="Change to the contract (owner change orders)."
    )
