# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    is_subcontract = fields.Boolean(
        string="Subcontract",
        help="A subcontract is a purchase order with a subcontractor; its confirmed, "
        "unbilled lines count as committed cost like any purchase.",
    )
    job_id = fields.Many2one(
        "project.project", domain=[("is_job", "=", True)], index=True
    )
