# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

BILLING_KINDS = [
    ("progress", "Progress Billing"),
    ("retention_release", "Retention Release"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    construction_job_id = fields.Many2one(
        "project.project",
        readonly=True,
        index=True,
        copy=False,
    )
    construction_pay_application_id = fields.Many2one(
        "construction.pay.application",
        string="Pay Application",
        readonly=True,
        copy=False,
    )
    construction_billing_kind = fields.Selection(
        BILLING_KINDS, string="Construction Billing", readonly=True, copy=False
    )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    construction_retention = fields.Boolean(
        readonly=True,
        copy=False,
        help="Retention withheld (negative on the invoice) or released, on the "
        "retention receivable account.",
    )
