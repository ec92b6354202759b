# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    equipment_cost_code_id = fields.Many2one(
        "construction.cost.code",
        string="Default Equipment Cost Code",
        help="Equipment cost of a machine whose usage or assignment names no cost "
        "code is staged on this one.",
    )
    equipment_recovery_analytic_account_id = fields.Many2one(
        "account.analytic.account",
        string="Equipment Recovery Account",
        help="The yard or department owning the company's machines: it is credited "
        "with what a job of the company is charged for them (internal chargeback), "
        "unless the machine names its own.",
    )
