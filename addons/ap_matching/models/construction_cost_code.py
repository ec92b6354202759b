# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ConstructionCostCode(models.Model):
    _inherit = "construction.cost.code"

    ap_preferred_vendor_id = fields.Many2one(
        "res.partner",
        string="Preferred Vendor",
        help="Material requested under this cost code is ordered from this vendor "
        "when its product names none.",
    )
