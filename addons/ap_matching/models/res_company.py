# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ap_duplicate_window_days = fields.Integer(
        string="Duplicate Bill Window (days)",
        default=7,
        help="Two bills of one vendor for the same amount dated at most this many "
        "days apart are possible duplicates (0: the same day only).",
    )
