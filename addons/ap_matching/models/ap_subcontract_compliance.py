# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

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
    company's setting says.

    A document counts once an AP manager other than whoever recorded it has
    verified it (the suite's approval mechanism): a clerk's record of a certificate,
    or a date typed on it, unblocks nothing by itself. A verified document is
    locked; a new certificate is a new document."""

    _name = "ap.subcontract.compliance"
    _description = "Subcontractor Compliance Document"
    _inherit = ["mail.thread", "construction.approval.mixin"]
    _order = "partner_id, document_type, expiry_date desc, id desc"
    _approval_group = "ap_matching.group_ap_manager"
    _approval_figure_fields = (
        "partner_id",
        "company_id",
        "document_type",
        "pay_app_id",
        "valid_from",
        "expiry_date",
        "attachment",
    )
    _approval_free_fields = ("note",)

    name = fields.Char(required=True, tracking=True)
    state = fields.Selection(
        [("draft", "To Verify"), ("approved", "Verified")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        help="To Verify: recorded, not counted yet. Verified: an AP manager other "
        "than whoever recorded it checked it; it counts and is locked.",
    )
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
    # the approval mechanism reads amounts in it (a document has none)
    currency_id = fields.Many2one(related="company_id.currency_id")
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

    def _approval_job(self):
        return self.env["project.project"]

    def action_verify(self):
        """An AP manager, not whoever recorded or changed the document, verifies
        it: from then on it counts, and it is locked."""
        verified = self._approval_approve()
        for document in verified:
            document.message_post(
                body=_("Verified by %s.", self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_reset_to_verify(self):
        """An AP manager reopens a verified document to correct it; it counts
        again once an AP manager who did not change it verifies it."""
        if not self.env.user.has_group(self._approval_group):
            raise UserError(
                _("Only an AP manager may reopen a verified compliance document.")
            )
        self._approval_check_state(["approved"], _("reopened"))
        self._approval_back_to_draft(
            _("Reopened by %s to be corrected.", self.env.user.name)
        )
        return True

    @api.model
    def _valid_on(self, partner, company, document_type, day):
        """The verified documents of ``document_type`` of ``partner`` valid on
        ``day``."""
        return self.search(
            [
                ("state", "=", "approved"),
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
