# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    work_order_billing_days = fields.Integer(
        related="company_id.work_order_billing_days", readonly=False
    )
    work_order_labour_product_id = fields.Many2one(
        related="company_id.work_order_labour_product_id", readonly=False
    )
    work_order_fixed_price_product_id = fields.Many2one(
        related="company_id.work_order_fixed_price_product_id", readonly=False
    )
