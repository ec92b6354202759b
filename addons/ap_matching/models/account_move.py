# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vendor bills in Payables: where a bill came from and the earlier bills it may
duplicate (its identity), and its three-way match: match state, hold and release,
the routing of its exceptions and the resolutions that re-run it."""

import contextvars
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import SUPERUSER_ID, Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import float_is_zero

from odoo.addons.construction_project_sync.models.construction_approval_mixin import (
    ConstructionApprovalMixin as Approval,
)

from ..lib.bill_identity import normalise_reference
from ..lib.subcontract_billing import refuse_subcontract_fields
from .account_move_line import (
    REASON_ORDER,
    REASONS,
    VARIANCE_REASONS,
    refuse_match_fields,
)

BILL_TYPES = ("in_invoice", "in_refund")
AP_MANAGER = "ap_matching.group_ap_manager"
AP_CLERK = "ap_matching.group_ap_clerk"

# a change of these on a bill is a bill edit: the match runs again
BILL_FIGURES = {
    "partner_id",
    "invoice_date",
    "date",
    "currency_id",
    "invoice_line_ids",
    "line_ids",
    "invoice_origin",
    # the vendor's number: a duplicate is judged on it
    "ref",
}
# written by the match, the release and the resolutions only
BILL_HOLD_FIELDS = {
    "ap_match_state",
    "ap_reason_codes",
    "ap_released_codes",
    "ap_released_by_id",
    "ap_released_at",
    "ap_release_reason",
    "ap_preparer_ids",
    "ap_on_hold",
    "ap_exception_ids",
    "ap_match_line_ids",
}
# who can fix what: procurement the price and the order, the job's site manager the
# receipts, project finance the coding and the books
ROUTES = {
    "no_po": "finance",
    "po_line_not_found": "finance",
    "po_closed": "procurement",
    "not_received": "site",
    "over_billed_qty": "site",
    "price_variance": "procurement",
    "amount_variance": "procurement",
    "frozen_period": "finance",
    "duplicate": "finance",
    "vendor_on_hold": "procurement",
}
OPEN_EXCEPTION = ("open", "in_progress")
# which subcontract and pay application a bill bills: set by subcontract billing
# only (see lib/subcontract_billing.py)
SUBCONTRACT_FIELDS = {
    "ap_subcontract_order_id",
    "ap_subcontract_pay_app_id",
    "ap_subcontract_kind",
}

# set while the match writes its results: its own writes are no bill edit
_MATCHING = contextvars.ContextVar("ap_matching_running", default=False)
# ids of the bills edited inside the bill write running now: their match runs once
# that write is done, not once per line the write touches
_EDITED = contextvars.ContextVar("ap_matching_edited_bills", default=None)
# where the bill came from and which duplicates were released: written by the
# hub's import and the release transition only, which unlock them as the approval
# mechanism unlocks its fields (construction.approval.mixin._approval_unlock)
IDENTITY_FIELDS = {
    "ap_message_id",
    "ap_original_attachment_id",
    "ap_document_hash",
    "ap_duplicate_release_ids",
    "ap_duplicate_release_reason",
}


class AccountMove(models.Model):
    _inherit = "account.move"
    # the approval mechanism's checks (construction.approval.mixin) read these
    _approval_group = AP_MANAGER

    ap_match_state = fields.Selection(
        [
            ("none", "Nothing to Match"),
            ("matched", "Matched"),
            ("exception", "On Hold"),
            ("released", "Released"),
        ],
        string="Three-Way Match",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        help="Matched: every line agrees with its order and receipts within the "
        "tolerances. On hold: an exception is open; the bill can be neither posted "
        "nor paid until it is resolved or an AP manager releases it.",
    )
    ap_reason_codes = fields.Char(string="Reason Codes", readonly=True, copy=False)
    ap_reason_summary = fields.Char(
        string="Hold Reasons", compute="_compute_ap_reason_summary"
    )
    ap_on_hold = fields.Boolean(
        string="On Hold",
        compute="_compute_ap_on_hold",
        store=True,
        index=True,
    )
    ap_released_codes = fields.Char(
        string="Released Reasons",
        readonly=True,
        copy=False,
        help="The reasons the release covered: a new one holds the bill again.",
    )
    ap_released_by_id = fields.Many2one(
        "res.users", string="Released By", readonly=True, copy=False
    )
    ap_released_at = fields.Datetime(string="Released At", readonly=True, copy=False)
    ap_release_reason = fields.Text(string="Release Reason", readonly=True, copy=False)
    ap_preparer_ids = fields.Many2many(
        "res.users",
        "account_move_ap_preparer_rel",
        "move_id",
        "user_id",
        string="Bill Prepared By",
        readonly=True,
        copy=False,
        help="Who created the bill or changed its figures: none of them may release "
        "its hold or accept its variances.",
    )
    ap_exception_ids = fields.One2many(
        "integration.exception", "ap_bill_id", string="Match Exceptions", readonly=True
    )
    ap_open_exception_count = fields.Integer(compute="_compute_ap_open_exception_count")
    ap_match_line_ids = fields.One2many(
        "account.move.line",
        compute="_compute_ap_match_line_ids",
        string="Match Panel",
    )

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

    @api.depends("ap_match_state")
    def _compute_ap_on_hold(self):
        for move in self:
            move.ap_on_hold = move.ap_match_state == "exception"

    @api.depends("ap_reason_codes")
    def _compute_ap_reason_summary(self):
        labels = dict(REASONS)
        for move in self:
            move.ap_reason_summary = ", ".join(
                labels.get(code, code) for code in (move.ap_reason_codes or "").split()
            )

    @api.depends("ap_exception_ids.state")
    def _compute_ap_open_exception_count(self):
        for move in self:
            move.ap_open_exception_count = len(
                move.ap_exception_ids.filtered(lambda e: e.state in OPEN_EXCEPTION)
            )

    @api.depends("invoice_line_ids.display_type")
    def _compute_ap_match_line_ids(self):
        for move in self:
            move.ap_match_line_ids = move.invoice_line_ids._ap_matched_lines()

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        self._ap_check_identity_create(vals_list)
        refuse_subcontract_fields(self, SUBCONTRACT_FIELDS, vals_list, creating=True)
        for vals in vals_list:
            self._ap_check_hold_fields(vals, creating=True)
        edited = set()
        token = _EDITED.set(edited)
        try:
            moves = super().create(vals_list)
        finally:
            _EDITED.reset(token)
        moves._ap_match()
        return moves

    def write(self, vals):
        self._ap_check_identity_write(vals)
        refuse_subcontract_fields(self, SUBCONTRACT_FIELDS, [vals], creating=False)
        unlocked = Approval._approval_is_unlocked(self)
        if not unlocked:
            self._ap_check_hold_fields(vals)
        outer = _EDITED.get()
        edited = (
            set(self.ids)
            if BILL_FIGURES & set(vals) and not unlocked and not _MATCHING.get()
            else set()
        )
        if outer is not None:
            outer.update(edited)
            return super().write(vals)
        token = _EDITED.set(edited)
        try:
            result = super().write(vals)
        finally:
            _EDITED.reset(token)
        if edited:
            self.browse(edited)._ap_figures_changed()
        if vals.get("state") == "cancel":
            self._ap_close_exceptions(_("The bill was cancelled."), cancel=True)
            self._ap_subcontract_bill_gone()
        elif vals.get("state") == "draft":
            # back to draft: it is judged again, and no longer billed for the others
            self._ap_match()
            self._ap_rematch_order_lines(self.invoice_line_ids.purchase_line_id)
        return result

    @api.model
    def _ap_check_hold_fields(self, vals, creating=False):
        refuse_match_fields(
            self,
            BILL_HOLD_FIELDS,
            vals,
            creating,
            _(
                "%(field)s of a vendor bill changes only through the three-way match "
                "and its buttons (release, resolutions), never by a direct write."
            ),
        )

    def _ap_bill_edited(self):
        """A person changed figures of these bills (their lines)."""
        if _MATCHING.get():
            return
        edited = _EDITED.get()
        if edited is not None:
            edited.update(self.ids)
        else:
            self._ap_figures_changed()

    def _ap_figures_changed(self):
        bills = self._ap_matchable()
        user = self.env.user
        new_preparer = bills.filtered(lambda b: user not in b.ap_preparer_ids)
        if new_preparer:
            with Approval._approval_unlock(new_preparer):
                new_preparer.write({"ap_preparer_ids": [Command.link(user.id)]})
        bills._ap_match()

    def _approval_preparers(self):
        """Who may not release this bill's hold (read by the approval checks)."""
        self.ensure_one()
        return self.create_uid | self.ap_preparer_ids

    # ------------------------------------------------------------------ match
    def _ap_matchable(self):
        return self.filtered(
            lambda m: m.move_type == "in_invoice" and m.state == "draft"
        )

    def _ap_match(self):
        """Match the draft vendor bills among these: every product line against
        its order line and receipts, then the bill's own reasons (frozen period,
        duplicate, vendor on hold); store the result, hold or free the bills and
        route their exceptions. Lines inherit their order line's job × cost code."""
        bills = self._ap_matchable()
        if not bills:
            return
        token = _MATCHING.set(True)
        try:
            bills._ap_match_run()
        finally:
            _MATCHING.reset(token)

    def _ap_match_run(self):
        bills = self
        lines = bills.invoice_line_ids._ap_matched_lines()
        results = lines._ap_match_lines()
        self._ap_write_line_results(results)
        duplicates = bills._ap_blocking_duplicates()
        held_vendors = bills.commercial_partner_id._ap_held_vendors()
        freeze = self.env["integration.freeze"]
        lines_by_bill = defaultdict(list)
        for line in lines:
            lines_by_bill[line.move_id].append(line)
        codes_by_bill, notes_by_bill, by_vals = {}, {}, defaultdict(list)
        today = fields.Date.context_today(self)
        causes = {}  # (company, date): why it is frozen, asked once
        for bill in bills:
            codes, notes = set(), defaultdict(list)
            for line in lines_by_bill[bill]:
                result = results[line]
                if result["ap_match_state"] != "exception":
                    continue
                accepted = set((line.ap_accepted_codes or "").split())
                for code in set(result["ap_match_codes"].split()) - accepted:
                    codes.add(code)
                    notes[code].append(f"{line.name or ''}: {result['ap_match_note']}")
            if lines_by_bill[bill]:
                key = (bill.company_id, bill.date or today)
                if key not in causes:
                    causes[key] = freeze._frozen_cause(*key)
                cause = causes[key]
                if cause:
                    codes.add("frozen_period")
                    notes["frozen_period"].append(
                        _("%(cause)s; posting waits until %(until)s.")
                        % {"cause": cause[0], "until": cause[1]}
                    )
                if duplicates.get(bill):
                    codes.add("duplicate")
                    notes["duplicate"].append(
                        _("Duplicates %s.")
                        % ", ".join(duplicates[bill].mapped("display_name"))
                    )
                if bill.commercial_partner_id in held_vendors:
                    codes.add("vendor_on_hold")
                    notes["vendor_on_hold"].append(
                        _("%s is on hold.") % bill.commercial_partner_id.name
                    )
            ordered = sorted(codes, key=REASON_ORDER.get)
            released = set((bill.ap_released_codes or "").split())
            if not lines_by_bill[bill]:
                state = "none"
            elif not codes:
                state = "matched"
            elif bill.ap_released_by_id and codes <= released:
                state = "released"
            else:
                state = "exception"
            codes_by_bill[bill], notes_by_bill[bill] = ordered, notes
            vals = {"ap_match_state": state, "ap_reason_codes": " ".join(ordered)}
            if any(bill[name] != (value or False) for name, value in vals.items()):
                by_vals[(state, vals["ap_reason_codes"])].append(bill.id)
        for (state, codes), ids in by_vals.items():
            records = self.browse(ids)
            with Approval._approval_unlock(records):
                records.write({"ap_match_state": state, "ap_reason_codes": codes})
        bills._ap_route(codes_by_bill, notes_by_bill)

    def _ap_write_line_results(self, results):
        """Store each line's result, one write per distinct set of values, and
        give lines linked to a live order line its job × cost code."""
        by_vals, by_distribution = defaultdict(list), defaultdict(list)
        for line, vals in results.items():
            changed = tuple(
                sorted(
                    (name, value)
                    for name, value in vals.items()
                    if (line[name] or False) != (value or False)
                )
            )
            if changed:
                by_vals[changed].append(line.id)
            order_line = line.purchase_line_id
            if (
                order_line
                and vals["ap_match_reason"] not in ("no_po", "po_line_not_found")
                and order_line.analytic_distribution
                and line.analytic_distribution != order_line.analytic_distribution
            ):
                key = tuple(sorted(order_line.analytic_distribution.items()))
                by_distribution[key].append(line.id)
        Line = self.env["account.move.line"]
        # the match's own fields carry no accounting: account's resync of the bill's
        # tax and payment term lines and its line tracking, run on every write of a
        # line, are skipped for them (they were most of the match's time: 10,000
        # lines, tests/bench/bench_ap.py)
        quiet = Line.with_context(
            skip_invoice_sync=True, skip_invoice_line_sync=True, tracking_disable=True
        )
        for changed, ids in by_vals.items():
            records = quiet.browse(ids)
            with Approval._approval_unlock(records):
                records.write(dict(changed))
        for distribution, ids in by_distribution.items():
            Line.browse(ids).write({"analytic_distribution": dict(distribution)})

    @api.model
    def _ap_rematch_order_lines(self, order_lines):
        """Match again the draft bills billing ``order_lines`` (a receipt, an order
        change, another bill posted or withdrawn)."""
        if not order_lines:
            return
        # sudo: a receipt or an order change moves the match of the bills on those
        # lines whoever made it (a storekeeper does not read bills); the bills are
        # found from the order lines, never chosen by the caller
        self.sudo().search(
            [
                ("move_type", "=", "in_invoice"),
                ("state", "=", "draft"),
                ("invoice_line_ids.purchase_line_id", "in", order_lines.ids),
            ]
        )._ap_match()

    @api.model
    def _ap_rematch_vendors(self, partners):
        if not partners:
            return
        # sudo: see _ap_rematch_order_lines; the vendor's hold binds all its bills
        self.sudo().search(
            [
                ("move_type", "=", "in_invoice"),
                ("state", "=", "draft"),
                ("commercial_partner_id", "in", partners.ids),
            ]
        )._ap_match()

    # ------------------------------------------------------------------ routing
    def _ap_route(self, codes_by_bill, notes_by_bill):
        """One open hub exception per bill and reason, owned by who can fix it;
        those whose reason went away are resolved."""
        # sudo: routing is the match's own bookkeeping: whoever edits a bill (a
        # clerk with no rights on the hub's exceptions) can neither skip nor shape it
        Exceptions = self.env["integration.exception"].sudo()
        existing = defaultdict(dict)
        for exc in Exceptions.search(
            [("ap_bill_id", "in", self.ids), ("state", "in", OPEN_EXCEPTION)]
        ):
            existing[exc.ap_bill_id.id][exc.reason_code] = exc
        gone, vals_list = Exceptions, []
        for bill in self:
            codes = codes_by_bill[bill] if bill.ap_match_state == "exception" else []
            have = existing[bill.id]
            for code, exc in have.items():
                if code not in codes:
                    gone |= exc
            for code in codes:
                if code not in have:
                    vals_list.append(
                        bill._ap_exception_vals(code, notes_by_bill[bill][code])
                    )
        if gone:
            gone.write({"resolution_note": _("No longer found by the match.")})
            gone.action_resolve()
        if vals_list:
            Exceptions.create(vals_list)

    def _ap_exception_vals(self, code, notes):
        self.ensure_one()
        company = self.company_id
        large = bool(company.ap_sla_large_amount) and (
            company.currency_id.compare_amounts(
                abs(self.amount_total_signed), company.ap_sla_large_amount
            )
            >= 0
        )
        hours = (company.ap_sla_large_hours if large else company.ap_sla_hours) or 72
        label = dict(REASONS)[code]
        return {
            "name": _(
                "%(bill)s of %(vendor)s: %(reason)s",
                bill=self.ref or self.name or _("Draft bill"),
                vendor=self.partner_id.name,
                reason=label,
            ),
            "reason_code": code,
            "description": "\n".join(notes) or label,
            "company_id": company.id,
            "res_model": self._name,
            "res_id": self.id,
            "ap_bill_id": self.id,
            "owner_id": self._ap_owner(code).id,
            "criticality": "high" if large else "normal",
            "deadline": fields.Datetime.now() + timedelta(hours=hours),
        }

    def _integration_scope(self):
        # a vendor bill's discrepancies are its job's (its order's, else its
        # coding's first job)
        if self.move_type in ("in_invoice", "in_refund"):
            job = self._ap_job()
            if job:
                return job
        return super()._integration_scope()

    def _ap_job(self):
        self.ensure_one()
        job = self.invoice_line_ids.purchase_line_id.order_id.job_id[:1]
        if job:
            return job
        accounts = self.invoice_line_ids.distribution_analytic_account_ids
        return self.env["project.project"].search(
            [("is_job", "=", True), ("account_id", "in", accounts.ids)], limit=1
        )

    def _ap_owner(self, code):
        """Procurement for price and order, the job's site manager for receipts,
        project finance for coding; project finance, then an AP manager of the
        company, when nobody is named."""
        self.ensure_one()
        company = self.company_id
        route = ROUTES[code]
        user = self.env["res.users"]
        if route == "site":
            job = self._ap_job()
            user = job.ap_site_manager_id or job.user_id
        elif route == "procurement":
            user = (
                company.ap_procurement_user_id
                or self.invoice_line_ids.purchase_line_id.order_id.user_id[:1]
            )
        user = user.filtered("active")  # not OdooBot, nor someone gone
        if not user:
            user = company.ap_finance_user_id
        if not user:
            user = (
                self.env.ref(AP_MANAGER)
                .users.filtered(
                    lambda u: (
                        company in u.company_ids
                        and u.active
                        and not u.share
                        and u.id != SUPERUSER_ID
                    )  # OdooBot acts on nothing
                )
                .sorted("id")[:1]
            )
        return user

    def _ap_open_exceptions(self, codes=None):
        # sudo: see _ap_route
        domain = [("ap_bill_id", "in", self.ids), ("state", "in", OPEN_EXCEPTION)]
        if codes:
            domain.append(("reason_code", "in", list(codes)))
        return self.env["integration.exception"].sudo().search(domain)

    def _ap_close_exceptions(self, note, cancel=False):
        exceptions = self._ap_open_exceptions()
        if not exceptions:
            return
        if cancel:
            exceptions.write({"resolution_note": note})
            exceptions.action_cancel()
        else:
            exceptions.write({"resolution_note": note})
            exceptions.action_resolve()

    # ------------------------------------------------------------------ hold
    def _post(self, soft=True):
        self._ap_check_duplicates_released()
        bills = self._ap_matchable()
        bills._ap_match()  # judged on what they are now, whatever was stored
        held = bills.filtered("ap_on_hold")
        if held:
            raise UserError(
                _(
                    "%(bill)s is on hold and cannot be posted: %(reasons)s. Resolve "
                    "its exceptions, or an AP manager releases it with a reason.",
                    bill=held[0].ref or held[0].display_name,
                    reasons=held[0].ap_reason_summary,
                )
            )
        posted = super()._post(soft=soft)
        payables = posted.filtered(lambda m: m.move_type in ("in_invoice", "in_refund"))
        # the suite's one posting check, on the date Odoo gave the bill
        freeze = self.env["integration.freeze"]
        for company, moves in payables.grouped("company_id").items():
            freeze._check_posting(company, set(moves.mapped("date")))
        payables._ap_close_exceptions(_("The bill was posted."))
        # what these bills billed is billed before for the drafts on the same lines
        self._ap_rematch_order_lines(payables.invoice_line_ids.purchase_line_id)
        return posted

    def _ap_check_payable(self):
        """Refuse paying bills on hold, or of a vendor on hold (unless a release
        covered exactly that)."""
        self._ap_check_subcontract_payable()
        held_vendors = self.commercial_partner_id._ap_held_vendors()
        blocked = self.filtered(
            lambda m: (
                m.move_type == "in_invoice"
                and (
                    m.ap_on_hold
                    or (
                        m.commercial_partner_id in held_vendors
                        and "vendor_on_hold" not in (m.ap_released_codes or "").split()
                    )
                )
            )
        )
        if blocked:
            bill = blocked[0]
            raise UserError(
                _(
                    "%(bill)s cannot be paid: %(reasons)s.",
                    bill=bill.ref or bill.display_name,
                    reasons=bill.ap_reason_summary
                    or _("%s is on hold") % bill.commercial_partner_id.name,
                )
            )

    def action_register_payment(self):
        self._ap_check_payable()
        return super().action_register_payment()

    # ------------------------------------------------------------ payment status back
    def _invoice_paid_hook(self):
        # Odoo calls it when bills become paid (or in payment)
        result = super()._invoice_paid_hook()
        self._ap_emit_payment_status("vendor_bill.paid")
        return result

    def _ap_emit_payment_status(self, event_type):
        """Tell the AP and field platforms what became of their bills: a signed
        event per bill with the remittance (amount paid, date, reference)."""
        bills = self.filtered(lambda m: m.move_type in BILL_TYPES)
        identities = bills._ap_event_identities()
        outbox = self.env["integration.outbox"]
        for bill in bills:
            # sudo: an accountant registering a payment may not read payments of
            # every journal; what is sent is this bill's own remittance
            payments = bill.sudo()._get_reconciled_payments()
            paid = bill.amount_total - bill.amount_residual
            outbox._emit(
                event_type,
                bill,
                {
                    **identities[bill],
                    "amount_total": bill.amount_total,
                    "amount_paid": bill.currency_id.round(paid),
                    "amount_residual": bill.amount_residual,
                    "payment_state": bill.payment_state,
                    "payment_date": max(payments.mapped("date"), default=None),
                    "payment_references": payments.mapped(lambda p: p.memo or p.name),
                },
                company=bill.company_id,
            )

    def _ap_event_identities(self):
        """{bill: how the platforms know it}: number, vendor reference and VAT,
        the systems' ids of the bill, currency."""
        external_ids = self.env["integration.mapping"]._external_ids(self)
        return {
            bill: {
                "bill_id": bill.id,
                "number": bill.name,
                "vendor_reference": bill.ref or None,
                "vendor": bill.commercial_partner_id.name,
                "vendor_vat": bill.commercial_partner_id.vat or None,
                "external_ids": external_ids[bill.id],
                "currency": bill.currency_id.name,
            }
            for bill in self
        }

    def action_ap_rematch(self):
        """Run the match again now (a button for whoever looks at the bill)."""
        self.check_access("write")
        self._ap_match()
        return True

    def action_ap_open_resolution(self):
        """The resolution wizard (release, accept, credit note, re-link, wait)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ap_matching.action_ap_hold_resolution"
        )
        action["context"] = {
            "default_move_id": self.id,
            "default_action": self.env.context.get("ap_resolution", "accept"),
        }
        return action

    def action_ap_view_exceptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ap_matching.action_ap_match_worklist"
        )
        action["domain"] = [("ap_bill_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ transitions
    def _ap_check_manager(self):
        """An AP manager decides, never a system nor who prepared the bill."""
        Approval._approval_check_approver(self, self.env.ref(AP_MANAGER))

    def _ap_release(self, reason):
        """Release held bills with the reason kept: they may be posted despite the
        reasons open now; a new reason holds them again."""
        if not (reason or "").strip():
            raise UserError(_("Say why the hold is released."))
        not_held = self.filtered(lambda m: not m.ap_on_hold)
        if not_held:
            raise UserError(
                _("%s is not on hold: there is nothing to release.")
                % not_held[0].display_name
            )
        self._ap_check_manager()
        # one decision: a hold released for a possible duplicate releases the
        # duplicate barrier at posting too, against the earlier bills found now
        for bill in self._ap_blocking_duplicates():
            bill._ap_release_duplicates(reason)
        user, now = self.env.user, fields.Datetime.now()
        for bill in self:
            with Approval._approval_unlock(bill):
                bill.write(
                    {
                        "ap_match_state": "released",
                        "ap_released_codes": bill.ap_reason_codes,
                        "ap_released_by_id": user.id,
                        "ap_released_at": now,
                        "ap_release_reason": reason,
                    }
                )
        Approval._approval_log(
            self,
            {
                bill.id: self.env._(
                    "Hold released by %(user)s (%(reasons)s): %(reason)s",
                    user=user.name,
                    reasons=bill.ap_reason_summary,
                    reason=reason,
                )
                for bill in self
            },
        )
        self._ap_close_exceptions(
            _("Released by %(user)s: %(reason)s")
            % {
                "user": user.name,
                "reason": reason,
            }
        )

    def _ap_accept_variance(self, lines, note):
        """Accept the variances (price, amount, quantity) found on ``lines`` now,
        with a note; a later change of the line's figures voids the acceptance."""
        self.ensure_one()
        if not (note or "").strip():
            raise UserError(_("Say why the variance is accepted."))
        self._ap_check_manager()
        lines = lines.filtered(lambda line: line.move_id == self)
        accepted = {
            line: set((line.ap_match_codes or "").split()) & set(VARIANCE_REASONS)
            for line in lines
        }
        if not any(accepted.values()):
            raise UserError(
                _(
                    "Only a price, amount or quantity variance is accepted; the other "
                    "reasons are resolved at their source or the hold is released."
                )
            )
        user = self.env.user
        for line, codes in accepted.items():
            if codes:
                with Approval._approval_unlock(line):
                    line.write(
                        {
                            "ap_accepted_codes": " ".join(
                                sorted(codes, key=REASON_ORDER.get)
                            ),
                            "ap_accept_note": note,
                            "ap_accepted_by_id": user.id,
                        }
                    )
        Approval._approval_log(
            self,
            {
                self.id: _(
                    "Variance accepted by %(user)s on %(lines)s: %(note)s",
                    user=user.name,
                    lines=", ".join(
                        line.name or line.product_id.display_name
                        for line, codes in accepted.items()
                        if codes
                    ),
                    note=note,
                )
            },
        )
        self._ap_match()

    def _ap_request_credit_note(self, note):
        """Ask the vendor for a credit note: a note in the chatter, an activity for
        the procurement owner to chase it; the price exceptions are in progress."""
        self.ensure_one()
        self.check_access("write")
        owner = self._ap_owner("price_variance")
        text = _(
            "Credit note requested from %(vendor)s by %(user)s: %(note)s",
            vendor=self.partner_id.name,
            user=self.env.user.name,
            note=note or _("(no note)"),
        )
        Approval._approval_log(self, {self.id: text})
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Credit note from %s") % self.partner_id.name,
            note=text,
            user_id=owner.id or self.env.uid,
        )
        self._ap_open_exceptions(VARIANCE_REASONS).filtered(
            lambda e: e.state == "open"
        ).action_start()
        # the AP platform, which speaks with the vendor, relays the request
        self.env["integration.outbox"]._emit(
            "vendor_bill.credit_note_requested",
            self,
            {
                **self._ap_event_identities()[self],
                "amount_total": self.amount_total,
                "reasons": (self.ap_reason_codes or "").split(),
                "note": note or None,
                "requested_by": self.env.user.name,
                "lines": [
                    {
                        "description": line.name,
                        "quantity": line.quantity,
                        "unit_price": line.price_unit,
                        "purchase_order": line.purchase_line_id.order_id.name or None,
                        "order_unit_price": line.purchase_line_id.price_unit or None,
                        "reasons": (line.ap_match_codes or "").split(),
                        "findings": line.ap_match_note or None,
                    }
                    for line in self.invoice_line_ids.filtered("ap_match_codes")
                ],
            },
            company=self.company_id,
        )
        self._ap_match()

    def _ap_relink(self, line, order_line):
        """Link ``line`` to another line of the vendor's orders, then match again
        (the line takes that order line's job × cost code)."""
        self.ensure_one()
        if line.move_id != self:
            raise UserError(_("That line is not on this bill."))
        if (
            order_line.company_id != self.company_id
            or order_line.partner_id.commercial_partner_id != self.commercial_partner_id
        ):
            raise UserError(
                _("%s is not an order line of this vendor in this company.")
                % order_line.display_name
            )
        previous = line.purchase_line_id
        line.write({"purchase_line_id": order_line.id})
        Approval._approval_log(
            self,
            {
                self.id: _(
                    "%(user)s linked %(line)s to %(new)s (was %(old)s).",
                    user=self.env.user.name,
                    line=line.name or line.product_id.display_name,
                    new=order_line.display_name,
                    old=previous.display_name or _("none"),
                )
            },
        )
        self._ap_match()

    def _ap_wait_for_receipt(self, note):
        """Leave the bill waiting for its goods: the receipt runs the match again."""
        self.ensure_one()
        self.check_access("write")
        Approval._approval_log(
            self,
            {
                self.id: _(
                    "%(user)s: waiting for the receipt. %(note)s",
                    user=self.env.user.name,
                    note=note or "",
                )
            },
        )
        self._ap_open_exceptions(("not_received", "over_billed_qty")).filtered(
            lambda e: e.state == "open"
        ).action_start()
        self._ap_match()

    # ------------------------------------------------------------ identity checks
    @api.model
    def _ap_check_identity_create(self, vals_list):
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

    def _ap_check_identity_write(self, vals):
        if IDENTITY_FIELDS & set(vals) and not Approval._approval_is_unlocked(self):
            raise UserError(
                _(
                    "The source, original document and duplicate release of a bill "
                    "are set by the hub's import and the release button only."
                )
            )

    def _ap_check_duplicates_released(self):
        """A possible duplicate is not posted until an AP manager released it:
        said first, naming the earlier bill."""
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
        # the suite's approval rule, as for a hold: never whoever prepared the bill
        self._ap_check_manager()

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
        with Approval._approval_unlock(self):
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
    def _ap_set_origin(self, message, attachment, digest):
        """The import's transition: the message and original document of a bill
        the hub just created."""
        self.ensure_one()
        with Approval._approval_unlock(self):
            self.write(
                {
                    "ap_message_id": message.id,
                    "ap_original_attachment_id": attachment.id,
                    "ap_document_hash": digest,
                }
            )

    # ------------------------------------------------------------ subcontracts
    ap_subcontract_order_id = fields.Many2one(
        "purchase.order",
        string="Subcontract",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    ap_subcontract_pay_app_id = fields.Many2one(
        "ap.subcontract.pay.app",
        string="Subcontractor Pay Application",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    ap_subcontract_kind = fields.Selection(
        [("progress", "Pay Application"), ("retention_release", "Retention Release")],
        string="Subcontract Bill",
        readonly=True,
        copy=False,
    )

    def _ap_check_subcontract_payable(self):
        """Refuse paying a subcontractor whose compliance documents do not cover
        the day of payment, when the company's setting says so."""
        subcontract_bills = self.filtered(
            lambda m: m.move_type == "in_invoice" and m.ap_subcontract_order_id
        )
        for bill in subcontract_bills:
            company = bill.company_id
            if company.ap_subcontract_compliance_block not in ("payment", "both"):
                continue
            today = fields.Date.context_today(bill)
            if bill.ap_subcontract_pay_app_id:
                problems = bill.ap_subcontract_pay_app_id._ap_compliance_problems(today)
            else:
                problems = bill.partner_id._ap_subcontract_compliance_problems(
                    company, today
                )
            if problems:
                raise UserError(
                    _(
                        "%(bill)s cannot be paid: %(problems)s.",
                        bill=bill.ref or bill.display_name,
                        problems="; ".join(problems),
                    )
                )

    def unlink(self):
        self._ap_subcontract_bill_gone()
        return super().unlink()

    def _ap_subcontract_bill_gone(self):
        for move in self.filtered("ap_subcontract_pay_app_id"):
            if move.ap_subcontract_pay_app_id.bill_id == move:
                move.ap_subcontract_pay_app_id._ap_return_to_certified(
                    move.display_name
                )
