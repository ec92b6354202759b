# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ap_over_receipt_policy = fields.Selection(
        [("refuse", "Refuse the confirmation"), ("flag", "Receive and flag")],
        string="Over-Receipt from the Field",
        default="refuse",
        required=True,
        help="A field receipt confirming more than a purchase order line still "
        "expects: refused whole (nothing is received, the message can be replayed "
        "once the order is changed), or received and raised as an exception for "
        "procurement.",
    )
    ap_unbilled_receipt_days = fields.Integer(
        string="Receipts Billed Within (Days)",
        default=30,
        help="A purchase order received this many days ago and still not billed is "
        "reported by the reconciliation check 'Received, not billed'.",
    )
    ap_duplicate_window_days = fields.Integer(
        string="Duplicate Bill Window (days)",
        default=7,
        help="Two bills of one vendor for the same amount dated at most this many "
        "days apart are possible duplicates (0: the same day only).",
    )
