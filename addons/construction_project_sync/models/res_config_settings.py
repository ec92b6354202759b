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

    field_time_max_day_hours = fields.Float(
        related="company_id.field_time_max_day_hours", readonly=False
    )
    work_order_billing_days = fields.Integer(
        related="company_id.work_order_billing_days", readonly=False
    )
    work_order_labour_product_id = fields.Many2one(
        related="company_id.work_order_labour_product_id", readonly=False
    )
    work_order_fixed_price_product_id = fields.Many2one(
        related="company_id.work_order_fixed_price_product_id", readonly=False
    )

    construction_revenue_method = fields.Selection(
        related="company_id.construction_revenue_method", readonly=False
    )
    construction_billings_account_id = fields.Many2one(
        related="company_id.construction_billings_account_id", readonly=False
    )
    construction_underbilling_account_id = fields.Many2one(
        related="company_id.construction_underbilling_account_id", readonly=False
    )
    construction_overbilling_account_id = fields.Many2one(
        related="company_id.construction_overbilling_account_id", readonly=False
    )
    construction_earned_revenue_account_id = fields.Many2one(
        related="company_id.construction_earned_revenue_account_id", readonly=False
    )
    construction_wip_journal_id = fields.Many2one(
        related="company_id.construction_wip_journal_id", readonly=False
    )
