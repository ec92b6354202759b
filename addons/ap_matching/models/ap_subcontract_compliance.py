# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

DOCUMENT_TYPES = [
    ("insurance", "Insurance Certificate"),
    ("lien_waiver", "Lien Waiver"),
    ("license", "License"),
    ("other", "Other"),
]


class ApSubcontractCompliance(models.Model):
    """A subcontractor's compliance document on file: an insurance certificate
    (valid between two dates), a lien waiver for one pay application, a license.
    What is missing or expired blocks certification, payment or both, as the
    company's setting says."""

    _name = "ap.subcontract.compliance"
    _description = "Subcontractor Compliance Document"
    _inherit = ["mail.thread"]
    _order = "partner_id, document_type, expiry_date desc, id desc"

    name = fields.Char(required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Subcontractor",
        required=True,
        index=True,
        tracking=True,
        domain=[("is_company", "=", True)],
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    document_type = fields.Selection(
        DOCUMENT_TYPES, string="Type", required=True, tracking=True
    )
    pay_app_id = fields.Many2one(
        "ap.subcontract.pay.app",
        string="Pay Application",
        index="btree_not_null",
        ondelete="restrict",
        domain="[('partner_id', '=', partner_id)]",
        help="The application a lien waiver releases (a waiver covers one "
        "application).",
    )
    valid_from = fields.Date(tracking=True)
    expiry_date = fields.Date(
        string="Valid Until",
        tracking=True,
        help="Empty: does not expire (a lien waiver).",
    )
    attachment = fields.Binary(attachment=True, string="Document")
    attachment_name = fields.Char(string="File Name")
    expired = fields.Boolean(compute="_compute_expired", search="_search_expired")
    note = fields.Text()

    @api.depends("expiry_date")
    def _compute_expired(self):
        today = fields.Date.context_today(self)
        for document in self:
            document.expired = bool(
                document.expiry_date and document.expiry_date < today
            )

    def _search_expired(self, operator, value):
        today = fields.Date.context_today(self)
        expired = [("expiry_date", "!=", False), ("expiry_date", "<", today)]
        if (operator == "=") == bool(value):
            return expired
        return ["|", ("expiry_date", "=", False), ("expiry_date", ">=", today)]

    @api.model
    def _valid_on(self, partner, company, document_type, day):
        """The documents of ``document_type`` of ``partner`` valid on ``day``."""
        return self.search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
                ("document_type", "=", document_type),
                "|",
                ("valid_from", "=", False),
                ("valid_from", "<=", day),
                "|",
                ("expiry_date", "=", False),
                ("expiry_date", ">=", day),
            ]
        )
