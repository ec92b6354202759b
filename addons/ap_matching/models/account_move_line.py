# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The three-way match of one vendor bill line: its order line, what was received,
what earlier posted bills billed of it, its price and its amount."""

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from odoo.addons.construction_project_sync.models.construction_approval_mixin import (
    ConstructionApprovalMixin as Approval,
)
from odoo.addons.integration_queue.lib.anomaly import misplaced_decimal

from ..lib.subcontract_billing import refuse_subcontract_fields
from ..lib.tolerance import exceeds

# every reason a bill is held, in the order they are reported (the first found on a
# line is its reason); the last three are the bill's, not a line's
REASONS = [
    ("no_po", "No Purchase Order"),
    ("po_line_not_found", "Order Line Not Found"),
    ("po_closed", "Order Closed or Cancelled"),
    ("not_received", "Not Received"),
    ("over_billed_qty", "Over-Billed Quantity"),
    ("price_variance", "Price Variance"),
    ("amount_variance", "Amount Variance"),
    ("frozen_period", "Frozen Period"),
    ("duplicate", "Duplicate"),
    ("vendor_on_hold", "Vendor on Hold"),
]
REASON_ORDER = {code: position for position, (code, _label) in enumerate(REASONS)}
# the reasons a manager may accept on a line (a figure off by a known amount)
VARIANCE_REASONS = ("over_billed_qty", "price_variance", "amount_variance")
# a change of these on a bill line is a bill edit: the match runs again
LINE_FIGURES = {
    "quantity",
    "price_unit",
    "discount",
    "product_id",
    "product_uom_id",
    "purchase_line_id",
    "tax_ids",
}
# written by the match and its resolutions only
LINE_MATCH_FIELDS = (
    "ap_match_state",
    "ap_match_reason",
    "ap_match_codes",
    "ap_match_note",
    "ap_po_qty",
    "ap_received_qty",
    "ap_billed_before_qty",
    "ap_po_price_unit",
    "ap_bill_price_unit",
    "ap_price_variance",
    "ap_accepted_codes",
    "ap_accept_note",
    "ap_accepted_by_id",
)


def refuse_match_fields(model, protected, vals, creating, text):
    """Refuse ``vals`` setting a field of ``protected``, which only the three-way
    match and its transitions write (they unlock it): a new record may carry them
    empty (a copy, an import), a write never. ``text`` names the field as
    %(field)s."""
    written = set(protected) & {
        name for name, value in vals.items() if value or not creating
    }
    if written:
        raise UserError(text % {"field": model._fields[sorted(written)[0]].string})


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    ap_match_state = fields.Selection(
        [
            ("matched", "Matched"),
            ("exception", "Exception"),
            ("accepted", "Variance Accepted"),
        ],
        string="Match",
        readonly=True,
        copy=False,
    )
    ap_match_reason = fields.Selection(
        REASONS,
        string="Match Reason",
        readonly=True,
        copy=False,
        help="The first reason this line does not match its order line and receipt.",
    )
    ap_match_codes = fields.Char(string="All Match Reasons", readonly=True, copy=False)
    ap_match_note = fields.Char(string="Match Findings", readonly=True, copy=False)
    ap_po_qty = fields.Float(
        string="Ordered", readonly=True, copy=False, digits="Product Unit of Measure"
    )
    ap_received_qty = fields.Float(
        string="Received",
        readonly=True,
        copy=False,
        digits="Product Unit of Measure",
    )
    ap_billed_before_qty = fields.Float(
        string="Billed Before",
        readonly=True,
        copy=False,
        digits="Product Unit of Measure",
        help="Billed on other posted bills (net of posted credit notes), in the "
        "order line's unit.",
    )
    ap_po_price_unit = fields.Float(
        string="PO Price",
        readonly=True,
        copy=False,
        digits="Product Price",
        help="The order line's net unit price, in the order's currency and unit.",
    )
    ap_bill_price_unit = fields.Float(
        string="Bill Price",
        readonly=True,
        copy=False,
        digits="Product Price",
        help="This line's net unit price, in the order's currency and unit.",
    )
    ap_price_variance = fields.Float(
        string="Price Variance",
        readonly=True,
        copy=False,
        digits="Product Price",
        help="Bill price less PO price, per unit.",
    )
    ap_accepted_codes = fields.Char(
        string="Accepted Variances", readonly=True, copy=False
    )
    ap_accept_note = fields.Char(string="Acceptance Note", readonly=True, copy=False)
    ap_accepted_by_id = fields.Many2one(
        "res.users", string="Accepted By", readonly=True, copy=False
    )
    ap_subcontract_retention = fields.Boolean(
        string="Subcontract Retention",
        readonly=True,
        copy=False,
        help="Retention withheld from a subcontractor (negative, on a pay "
        "application's bill) or released (positive, on a retention release bill), "
        "on the retention payable account. Not matched against an order.",
    )

    # ------------------------------------------------------------------ payment
    def _reconcile_plan_with_sync(self, plan_list, all_amls):
        # Every way of paying a bill ends here: the register wizard, the
        # outstanding payments widget, a bank statement, a reconciliation by hand.
        # A held bill is refused whatever pays it (a vendor credit note may still
        # be matched to it: that lowers what is owed, it pays nothing).
        moves = all_amls.move_id
        bills = moves.filtered(lambda m: m.move_type == "in_invoice")
        paying = moves.filtered(
            lambda m: m.move_type not in ("in_invoice", "in_refund")
        )
        if bills and paying:
            bills._ap_check_payable()
        return super()._reconcile_plan_with_sync(plan_list, all_amls)

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        refuse_subcontract_fields(
            self, {"ap_subcontract_retention"}, vals_list, creating=True
        )
        for vals in vals_list:
            self._ap_check_match_fields(vals, creating=True)
        # a bill's lines are matched once the bill is written (its create or
        # write, and posting, match again)
        return super().create(vals_list)

    def write(self, vals):
        refuse_subcontract_fields(
            self, {"ap_subcontract_retention"}, [vals], creating=False
        )
        if not Approval._approval_is_unlocked(self):
            self._ap_check_match_fields(vals)
        edited = LINE_FIGURES & set(vals)
        if edited and not Approval._approval_is_unlocked(self):
            # an accepted variance was accepted for the figures it had
            accepted = self.filtered("ap_accepted_codes")
            if accepted:
                with Approval._approval_unlock(accepted):
                    super(AccountMoveLine, accepted).write(
                        {
                            "ap_accepted_codes": False,
                            "ap_accept_note": False,
                            "ap_accepted_by_id": False,
                        }
                    )
        result = super().write(vals)
        if edited and not Approval._approval_is_unlocked(self.move_id):
            self.move_id._ap_bill_edited()
        return result

    def unlink(self):
        moves = self.move_id
        result = super().unlink()
        moves.exists()._ap_bill_edited()
        return result

    def remove_move_reconcile(self):
        """A payment taken back (unreconciled, or its entry reset to draft): the
        platforms hear that the bills it paid are open again. Only bills they were
        told were paid: a partly paid bill sent no event, its reversal sends none."""

        def told_paid(move):
            return move.move_type in (
                "in_invoice",
                "in_refund",
            ) and move.payment_state in ("paid", "in_payment")

        bills = self.move_id.filtered(told_paid)
        # the bills the payment's own lines were reconciled with
        counterparts = (
            self.matched_debit_ids.debit_move_id
            | self.matched_credit_ids.credit_move_id
        ).move_id.filtered(told_paid)
        result = super().remove_move_reconcile()
        (bills | counterparts)._ap_emit_payment_status("vendor_bill.payment_reversed")
        return result

    @api.model
    def _ap_check_match_fields(self, vals, creating=False):
        refuse_match_fields(
            self,
            LINE_MATCH_FIELDS,
            vals,
            creating,
            _(
                "%(field)s of a bill line is set by the three-way match and its "
                "resolutions, never by a direct write."
            ),
        )

    # ------------------------------------------------------------------ match
    def _ap_matched_lines(self):
        """The lines the three-way match judges: the bill's product lines, but
        the subcontract retention withheld or released (no order line bills it)."""
        return self.filtered(
            lambda line: (
                line.display_type == "product" and not line.ap_subcontract_retention
            )
        )

    def _ap_billed_before(self):
        """{order line id: (quantity in its unit, amount in company currency)}
        billed by posted bills (less posted credit notes) other than these lines'
        bills: one grouped read per kind of document."""
        billed = defaultdict(lambda: [0.0, 0.0])
        order_lines = self.purchase_line_id
        if not order_lines:
            return billed
        for move_type, sign in (("in_invoice", 1), ("in_refund", -1)):
            groups = self._read_group(
                [
                    ("purchase_line_id", "in", order_lines.ids),
                    ("parent_state", "=", "posted"),
                    ("move_id.move_type", "=", move_type),
                    ("display_type", "=", "product"),
                    ("move_id", "not in", self.move_id.ids),
                ],
                ["purchase_line_id", "product_uom_id"],
                ["quantity:sum", "balance:sum"],
            )
            for order_line, uom, quantity, balance in groups:
                if uom and uom != order_line.product_uom:
                    quantity = uom._compute_quantity(
                        quantity, order_line.product_uom, round=False
                    )
                billed[order_line.id][0] += sign * quantity
                # a credit note's balance is negative already
                billed[order_line.id][1] += balance
        return billed

    def _ap_order_hints(self):
        """{bill: the purchase orders it names}: orders of its other lines and the
        orders its source document names, found in one search."""
        bills = self.move_id
        names = {
            name.strip()
            for bill in bills
            for name in (bill.invoice_origin or "").split(",")
            if name.strip()
        }
        named = self.env["purchase.order"]
        if names:
            named = named.search(
                [
                    ("name", "in", list(names)),
                    ("company_id", "in", bills.company_id.ids),
                ]
            )
        hints = {}
        for bill in bills:
            origin = {n.strip() for n in (bill.invoice_origin or "").split(",")}
            hints[bill] = bill.invoice_line_ids.purchase_line_id.order_id | (
                named.filtered(
                    lambda po, bill=bill, origin=origin: (
                        po.name in origin and po.company_id == bill.company_id
                    )
                )
            )
        return hints

    def _ap_match_lines(self):
        """{line: values of its match fields}: each vendor bill line against its
        order line, the receipts and earlier posted bills, within the tolerances
        of its company or vendor. Reads every order line and billed quantity at
        once."""
        billed = self._ap_billed_before()
        hints = self._ap_order_hints()
        tolerances = {
            bill: bill.company_id._ap_tolerances(bill.commercial_partner_id)
            for bill in self.move_id
        }
        results = {}
        for line in self:
            results[line] = line._ap_match_line(
                billed[line.purchase_line_id.id],
                hints[line.move_id],
                tolerances[line.move_id],
            )
        return results

    def _ap_match_line(self, billed, order_hint, tolerances):
        self.ensure_one()
        bill = self.move_id
        order_line = self.purchase_line_id
        codes, notes = [], []
        vals = dict.fromkeys(
            (
                "ap_po_qty",
                "ap_received_qty",
                "ap_billed_before_qty",
                "ap_po_price_unit",
                "ap_bill_price_unit",
                "ap_price_variance",
            ),
            0.0,
        )
        if not order_line:
            if order_hint:
                codes.append("po_line_not_found")
                notes.append(
                    _(
                        "not linked to a line of %s",
                        ", ".join(order_hint.mapped("name")),
                    )
                )
            else:
                codes.append("no_po")
                notes.append(_("no purchase order"))
            return self._ap_match_vals(vals, codes, notes)
        order = order_line.order_id
        if (
            order_line.company_id != bill.company_id
            or order.partner_id.commercial_partner_id != bill.commercial_partner_id
            or (
                self.product_id
                and order_line.product_id
                and self.product_id != order_line.product_id
            )
        ):
            codes.append("po_line_not_found")
            notes.append(
                _(
                    "%(line)s is not this vendor's line for this product",
                    line=order_line.display_name,
                )
            )
            return self._ap_match_vals(vals, codes, notes)
        if order.state == "cancel" or (
            order.state == "done"
            and (
                order.construction_closed_out
                or order.company_id.po_lock != "lock"  # a person locked it
            )
        ):
            codes.append("po_closed")
            notes.append(_("%s is closed or cancelled", order.name))

        order_uom = order_line.product_uom
        quantity = self.quantity
        if self.product_uom_id and order_uom and self.product_uom_id != order_uom:
            quantity = self.product_uom_id._compute_quantity(
                quantity, order_uom, round=False
            )
        billed_qty, billed_amount = billed
        received = order_line.qty_received
        by_receipt = order_line.product_id.purchase_method != "purchase"
        reference = received if by_receipt else order_line.product_qty
        vals.update(
            ap_po_qty=order_line.product_qty,
            ap_received_qty=received,
            ap_billed_before_qty=billed_qty,
        )
        rounding = order_uom.rounding or 0.001
        qty_digits = max(0, -int(f"{rounding:e}".split("e")[1]))
        if by_receipt and float_is_zero(received, precision_rounding=rounding):
            codes.append("not_received")
            notes.append(_("nothing received yet"))
        elif exceeds(billed_qty + quantity, reference, *tolerances["qty"], qty_digits):
            codes.append("over_billed_qty")
            notes.append(
                _(
                    "%(billed)s billed with this bill, %(reference)s %(what)s",
                    billed=billed_qty + quantity,
                    reference=reference,
                    what=_("received") if by_receipt else _("ordered"),
                )
            )

        # price, in the order's currency and unit: what the order says per unit
        currency = order_line.currency_id
        company = bill.company_id
        date = bill.invoice_date or bill.date or fields.Date.context_today(self)
        po_price = (
            order_line.price_subtotal / order_line.product_qty
            if order_line.product_qty
            else order_line.price_unit
        )
        bill_price = (
            self.price_subtotal / self.quantity if self.quantity else self.price_unit
        )
        bill_price = bill.currency_id._convert(bill_price, currency, company, date)
        if self.product_uom_id and order_uom and self.product_uom_id != order_uom:
            bill_price = self.product_uom_id._compute_price(bill_price, order_uom)
        price_percent, price_absolute = tolerances["price"]
        price_absolute = company.currency_id._convert(
            price_absolute, currency, company, date
        )
        vals.update(
            ap_po_price_unit=po_price,
            ap_bill_price_unit=bill_price,
            ap_price_variance=bill_price - po_price,
        )
        if exceeds(
            bill_price, po_price, price_percent, price_absolute, currency.decimal_places
        ):
            codes.append("price_variance")
            notes.append(
                _(
                    "price %(bill)s against %(po)s on the order",
                    bill=currency.round(bill_price),
                    po=currency.round(po_price),
                )
            )
            # a price a power of ten off is likely a typing slip: say so, so that
            # procurement asks for a corrected bill rather than a price change
            slip = misplaced_decimal(bill_price, po_price)
            if slip:
                notes.append(
                    _(
                        "%(factor)s× the order's price: a misplaced decimal point?",
                        factor=f"{slip['factor']:g}",
                    )
                )

        # the amount billed on the order line, in company currency at each
        # document's rate
        company_currency = company.currency_id
        order_amount = order_line.price_subtotal / (order.currency_rate or 1.0)
        if float_compare(
            billed_amount + self.balance,
            order_amount,
            precision_digits=company_currency.decimal_places,
        ) > 0 and exceeds(
            billed_amount + self.balance,
            order_amount,
            *tolerances["total"],
            company_currency.decimal_places,
        ):
            codes.append("amount_variance")
            notes.append(
                _(
                    "%(billed)s billed on the line with this bill, %(ordered)s ordered",
                    billed=company_currency.round(billed_amount + self.balance),
                    ordered=company_currency.round(order_amount),
                )
            )
        return self._ap_match_vals(vals, codes, notes)

    def _ap_match_vals(self, vals, codes, notes):
        accepted = set((self.ap_accepted_codes or "").split())
        if not codes:
            state = "matched"
        elif set(codes) <= accepted:
            state = "accepted"
        else:
            state = "exception"
        vals.update(
            ap_match_state=state,
            ap_match_reason=codes[0] if codes else False,
            ap_match_codes=" ".join(codes) or False,
            ap_match_note="; ".join(notes) or False,
        )
        return vals
