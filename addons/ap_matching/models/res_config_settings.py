# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ap_price_tolerance_percent = fields.Float(
        related="company_id.ap_price_tolerance_percent", readonly=False
    )
    ap_price_tolerance_amount = fields.Monetary(
        related="company_id.ap_price_tolerance_amount", readonly=False
    )
    ap_qty_tolerance_percent = fields.Float(
        related="company_id.ap_qty_tolerance_percent", readonly=False
    )
    ap_qty_tolerance_qty = fields.Float(
        related="company_id.ap_qty_tolerance_qty", readonly=False
    )
    ap_total_tolerance_percent = fields.Float(
        related="company_id.ap_total_tolerance_percent", readonly=False
    )
    ap_total_tolerance_amount = fields.Monetary(
        related="company_id.ap_total_tolerance_amount", readonly=False
    )
    ap_sla_hours = fields.Integer(related="company_id.ap_sla_hours", readonly=False)
    ap_sla_large_amount = fields.Monetary(
        related="company_id.ap_sla_large_amount", readonly=False
    )
    ap_sla_large_hours = fields.Integer(
        related="company_id.ap_sla_large_hours", readonly=False
    )
    ap_procurement_user_id = fields.Many2one(
        related="company_id.ap_procurement_user_id", readonly=False
    )
    ap_finance_user_id = fields.Many2one(
        related="company_id.ap_finance_user_id", readonly=False
    )

    ap_over_receipt_policy = fields.Selection(
        related="company_id.ap_over_receipt_policy", readonly=False
    )
    ap_unbilled_receipt_days = fields.Integer(
        related="company_id.ap_unbilled_receipt_days", readonly=False
    )
    ap_duplicate_window_days = fields.Integer(
        related="company_id.ap_duplicate_window_days", readonly=False
    )
    ap_subcontract_retention_account_id = fields.Many2one(
        related="company_id.ap_subcontract_retention_account_id", readonly=False
    )
    ap_subcontract_compliance_block = fields.Selection(
        related="company_id.ap_subcontract_compliance_block", readonly=False
    )
    ap_subcontract_release_policy = fields.Selection(
        related="company_id.ap_subcontract_release_policy", readonly=False
    )
