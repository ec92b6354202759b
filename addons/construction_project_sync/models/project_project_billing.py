# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    work_order_pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        # contract terms: set by those who bill, like the contract taxes
        groups="construction_project_sync.group_project_controller,"
        "account.group_account_invoice",
        help="The contract's rates for time-and-materials work orders of the job "
        "(labour hours, materials). Empty: the products' sales prices.",
    )
