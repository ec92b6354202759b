# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import contextvars
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import float_is_zero

from ..lib.bill_identity import normalise_reference

BILL_TYPES = ("in_invoice", "in_refund")
AP_MANAGER = "ap_matching.group_ap_manager"
# where the bill came from and which duplicates were released: written by the
# hub's import and the release transition only (see _ap_identity_unlock)
IDENTITY_FIELDS = {
    "ap_message_id",
    "ap_original_attachment_id",
    "ap_document_hash",
    "ap_duplicate_release_ids",
    "ap_duplicate_release_reason",
}
# ids of the bills whose identity fields the running code may write, in this thread
_UNLOCKED = contextvars.ContextVar("ap_matching_identity_unlocked", default=frozenset())


class AccountMove(models.Model):
    """A vendor bill's identity: the message and original document it came from,
    and the earlier bills it may duplicate, which keep it from being posted until an
    AP manager releases the false positive."""

    _inherit = "account.move"

    ap_message_id = fields.Many2one(
        "integration.message",
        string="Source Message",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The hub message the bill was imported from.",
    )
    ap_original_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Original Document",
        readonly=True,
        copy=False,
        help="The document as the vendor or the AP platform sent it.",
    )
    ap_document_hash = fields.Char(
        string="Document Hash",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="SHA-256 of the original document: the same file twice is one bill.",
    )
    ap_reference_key = fields.Char(
        string="Normalised Reference",
        compute="_compute_ap_reference_key",
        store=True,
        index="btree_not_null",
        help="The vendor's number as compared for duplicates: case, spaces, "
        "punctuation and leading zeros do not count.",
    )
    ap_duplicate_ids = fields.Many2many(
        "account.move",
        string="Possible Duplicate Of",
        compute="_compute_ap_duplicate_ids",
        help="Earlier bills of the same vendor with the same number, the same "
        "document, or the same amount within the company's duplicate window; they "
        "keep this bill from being posted until an AP manager releases it.",
    )
    ap_duplicate_count = fields.Integer(compute="_compute_ap_duplicate_ids")
    ap_duplicate_release_ids = fields.Many2many(
        "account.move",
        "ap_move_duplicate_release_rel",
        "move_id",
        "earlier_move_id",
        string="Released Against",
        readonly=True,
        copy=False,
        help="Earlier bills an AP manager confirmed this bill does not duplicate.",
    )
    ap_duplicate_release_reason = fields.Text(
        string="Duplicate Release Reason", readonly=True, copy=False
    )

    @api.depends("ref")
    def _compute_ap_reference_key(self):
        for move in self:
            move.ap_reference_key = normalise_reference(move.ref)

    @api.depends(
        "state",
        "commercial_partner_id",
        "ap_reference_key",
        "ap_document_hash",
        "amount_total",
        "invoice_date",
        "ap_duplicate_release_ids",
    )
    def _compute_ap_duplicate_ids(self):
        found = self._ap_find_duplicates()
        for move in self:
            duplicates = found.get(move, self.browse()) - move.ap_duplicate_release_ids
            move.ap_duplicate_ids = duplicates
            move.ap_duplicate_count = len(duplicates)

    # ------------------------------------------------------------ duplicates
    def _ap_find_duplicates(self):
        """{bill: the earlier bills it duplicates} for the vendor bills of ``self``
        that duplicate any: the same vendor with the same normalised number, or the
        same vendor, currency and amount dated within the company's window, or the
        same original document. Earlier means created before; cancelled bills
        duplicate nothing. Releases are not applied here (see _ap_blocking_duplicates).
        """
        bills = self.filtered(
            lambda m: (
                isinstance(m.id, int)
                and m.move_type in BILL_TYPES
                and m.state != "cancel"
            )
        )
        if not bills:
            return {}
        branches = []
        keys = [key for key in bills.mapped("ap_reference_key") if key]
        partners = bills.commercial_partner_id.ids
        if keys:
            branches.append(
                [
                    ("ap_reference_key", "in", keys),
                    ("commercial_partner_id", "in", partners),
                ]
            )
        hashes = [digest for digest in bills.mapped("ap_document_hash") if digest]
        if hashes:
            branches.append([("ap_document_hash", "in", hashes)])
        dated = bills.filtered(lambda m: m.invoice_date and m.amount_total)
        if dated:
            window = max(dated.company_id.mapped("ap_duplicate_window_days"))
            dates = dated.mapped("invoice_date")
            branches.append(
                [
                    ("commercial_partner_id", "in", partners),
                    ("amount_total", "in", dated.mapped("amount_total")),
                    ("invoice_date", ">=", min(dates) - timedelta(days=window)),
                    ("invoice_date", "<=", max(dates) + timedelta(days=window)),
                ]
            )
        if not branches:
            return {}
        domain = expression.AND(
            [
                [
                    ("move_type", "in", BILL_TYPES),
                    ("state", "!=", "cancel"),
                    ("company_id", "in", bills.company_id.ids),
                    ("id", "<", max(bills.ids)),
                ],
                expression.OR(branches),
            ]
        )
        candidates = self.search(domain, order="id")
        result = {}
        for bill in bills:
            earlier = candidates.filtered(
                lambda other, bill=bill: (
                    other.id < bill.id
                    and other.company_id == bill.company_id
                    and other.move_type == bill.move_type
                    and bill._ap_duplicates(other)
                )
            )
            if earlier:
                result[bill] = earlier
        return result

    def _ap_duplicates(self, other):
        """Whether ``other`` (an earlier bill of the same company and type) is a
        duplicate of this bill."""
        self.ensure_one()
        if self.ap_document_hash and self.ap_document_hash == other.ap_document_hash:
            return True
        if self.commercial_partner_id != other.commercial_partner_id:
            return False
        if self.ap_reference_key and self.ap_reference_key == other.ap_reference_key:
            return True
        window = self.company_id.ap_duplicate_window_days
        return bool(
            self.invoice_date
            and other.invoice_date
            and self.currency_id == other.currency_id
            and not float_is_zero(
                self.amount_total, precision_rounding=self.currency_id.rounding
            )
            and self.currency_id.compare_amounts(self.amount_total, other.amount_total)
            == 0
            and abs((self.invoice_date - other.invoice_date).days) <= window
        )

    def _ap_blocking_duplicates(self):
        """{bill: earlier duplicates no AP manager released it against}."""
        blocking = {}
        for bill, earlier in self._ap_find_duplicates().items():
            earlier -= bill.ap_duplicate_release_ids
            if earlier:
                blocking[bill] = earlier
        return blocking

    def _post(self, soft=True):
        blocking = self._ap_blocking_duplicates()
        if blocking:
            bill, earlier = next(iter(blocking.items()))
            raise UserError(
                _(
                    "%(bill)s may be a duplicate of %(earlier)s: it is not posted. "
                    "Cancel one of them, or have an AP manager release the bill "
                    "with a reason if they are different invoices.",
                    bill=bill.display_name,
                    earlier=", ".join(earlier.mapped("display_name")),
                )
            )
        return super()._post(soft=soft)

    # ------------------------------------------------------------ release
    def action_ap_release_duplicates(self):
        """Open the release of a false positive (AP managers only)."""
        self._ap_check_release_rights()
        return {
            "type": "ir.actions.act_window",
            "name": _("Release Possible Duplicate"),
            "res_model": "ap.duplicate.release",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def _ap_check_release_rights(self):
        self.ensure_one()
        if not self.env.user.has_group(AP_MANAGER):
            raise AccessError(_("Only an AP manager may release a possible duplicate."))
        if self.create_uid == self.env.user:
            raise AccessError(
                _(
                    "You entered %s yourself: another AP manager must confirm it is "
                    "not a duplicate.",
                    self.display_name,
                )
            )

    def _ap_release_duplicates(self, reason):
        """The release transition: this bill is confirmed not to duplicate the
        earlier bills found now (a bill found later blocks it again)."""
        self.ensure_one()
        self._ap_check_release_rights()
        if not (reason or "").strip():
            raise UserError(_("Say why the bill is not a duplicate."))
        earlier = self._ap_blocking_duplicates().get(self)
        if not earlier:
            raise UserError(
                _("%s has no possible duplicate to release.") % self.display_name
            )
        with self._ap_identity_unlock():
            self.write(
                {
                    "ap_duplicate_release_ids": [
                        fields.Command.link(m.id) for m in earlier
                    ],
                    "ap_duplicate_release_reason": reason.strip(),
                }
            )
        self.message_post(
            body=Markup("%s<br/>%s")
            % (
                _(
                    "Released as not a duplicate of %s.",
                    ", ".join(earlier.mapped("display_name")),
                ),
                escape(reason.strip()),
            )
        )
        return True

    def action_ap_view_duplicates(self):
        self.ensure_one()
        bills = self.ap_duplicate_ids | self.ap_duplicate_release_ids
        return {
            "type": "ir.actions.act_window",
            "name": _("Possible Duplicates of %s") % self.display_name,
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", bills.ids)],
            "context": {"create": False},
        }

    def action_ap_view_message(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "integration.message",
            "res_id": self.ap_message_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------ identity
    @contextlib.contextmanager
    def _ap_identity_unlock(self):
        """Let the code inside write the identity fields of these bills. A
        variable of the running code, not a context key: an RPC caller sets any
        context key it likes."""
        token = _UNLOCKED.set(_UNLOCKED.get() | set(self.ids))
        try:
            yield
        finally:
            _UNLOCKED.reset(token)

    def _ap_set_origin(self, message, attachment, digest):
        """The import's transition: the message and original document of a bill
        the hub just created."""
        self.ensure_one()
        with self._ap_identity_unlock():
            self.write(
                {
                    "ap_message_id": message.id,
                    "ap_original_attachment_id": attachment.id,
                    "ap_document_hash": digest,
                }
            )

    @api.model_create_multi
    def create(self, vals_list):
        # a default_ context key would fill them inside create, past this check
        defaults = {f"default_{name}" for name in IDENTITY_FIELDS}
        for vals in vals_list:
            if IDENTITY_FIELDS & set(vals) or defaults & set(self.env.context):
                raise UserError(
                    _(
                        "The source, original document and duplicate release of a "
                        "bill are set by the hub's import and the release button only."
                    )
                )
        return super().create(vals_list)

    def write(self, vals):
        if IDENTITY_FIELDS & set(vals) and not set(self.ids) <= _UNLOCKED.get():
            raise UserError(
                _(
                    "The source, original document and duplicate release of a bill "
                    "are set by the hub's import and the release button only."
                )
            )
        return super().write(vals)
