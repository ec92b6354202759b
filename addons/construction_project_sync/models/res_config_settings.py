# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    construction_retention_account_id = fields.Many2one(
        related="company_id.construction_retention_account_id", readonly=False
    )
    construction_billing_income_account_id = fields.Many2one(
        related="company_id.construction_billing_income_account_id", readonly=False
    )
