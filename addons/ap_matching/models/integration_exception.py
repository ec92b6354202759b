# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class IntegrationException(models.Model):
    _inherit = "integration.exception"

    ap_bill_id = fields.Many2one(
        "account.move",
        string="Vendor Bill",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="The bill whose three-way match raised this exception.",
    )
