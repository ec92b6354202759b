# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    construction_retention = fields.Boolean(
        readonly=True,
        help="Retention withheld (negative on the invoice) or released, on the "
        "retention receivable account; a reversal's line is one too.",
    )
