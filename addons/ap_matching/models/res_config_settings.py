# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ap_over_receipt_policy = fields.Selection(
        related="company_id.ap_over_receipt_policy", readonly=False
    )
    ap_unbilled_receipt_days = fields.Integer(
        related="company_id.ap_unbilled_receipt_days", readonly=False
    )
    ap_duplicate_window_days = fields.Integer(
        related="company_id.ap_duplicate_window_days", readonly=False
    )
