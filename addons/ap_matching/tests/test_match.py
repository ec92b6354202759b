from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestMatch(MatchCase):
    """Each reason code, the tolerance edges and the rematch triggers."""

    def test_bill_from_po_matches_and_posts(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill_from_po(order)
        self.assertEqual(bill.ap_match_state, "matched")
        self.assertFalse(bill.ap_on_hold)
        line = bill.invoice_line_ids
        self.assertEqual(line.ap_match_state, "matched")
        self.assertEqual(
            (line.ap_po_qty, line.ap_received_qty, line.ap_billed_before_qty),
            (10, 10, 0),
        )
        self.assertEqual(line.ap_po_price_unit, 100)
        self.assertEqual(line.analytic_distribution, self.distribution)
        bill.action_post()
        self.assertEqual(bill.state, "posted")

    def test_no_po(self):
        bill = self.bill([(False, 1, 50)])
        self.assertEqual(self.reasons(bill), ["no_po"])
        self.assertEqual(bill.invoice_line_ids.ap_match_reason, "no_po")
        self.assertTrue(bill.ap_on_hold)
        with self.assertRaisesRegex(UserError, "No Purchase Order"):
            bill.action_post()

    def test_po_line_not_found(self):
        order = self.make_po()
        self.receive(order)
        # the bill names the order but its line is not linked to any of its lines
        bill = self.bill([(False, 1, 100)], origin=order.name)
        self.assertEqual(self.reasons(bill), ["po_line_not_found"])
        bill.button_cancel()  # the next bill has the same vendor, amount and date
        # a line linked to another vendor's order line
        other = self.make_po(vendor=self.other_vendor)
        bill = self.bill([(other.order_line, 1, 100)])
        self.assertEqual(self.reasons(bill), ["po_line_not_found"])

    def test_not_received_then_receipt_matches(self):
        order = self.make_po()
        bill = self.bill([(order.order_line, 10, 100)])
        self.assertEqual(self.reasons(bill), ["not_received"])
        self.assertEqual(bill.invoice_line_ids.ap_received_qty, 0)
        self.receive(order)
        self.assertEqual(bill.ap_match_state, "matched")
        self.assertEqual(bill.invoice_line_ids.ap_received_qty, 10)
        bill.action_post()

    def test_over_billed_qty_counts_earlier_posted_bills(self):
        order = self.make_po()
        self.receive(order, qty=6)
        first = self.bill([(order.order_line, 6, 100)])
        self.assertEqual(first.ap_match_state, "matched")
        second = self.bill([(order.order_line, 1, 100)])
        # both drafts: nothing billed before yet
        self.assertEqual(second.ap_match_state, "matched")
        first.action_post()
        # posting the first one moved the second's match
        self.assertEqual(self.reasons(second), ["over_billed_qty"])
        self.assertEqual(second.invoice_line_ids.ap_billed_before_qty, 6)
        self.assertIn("7.0 billed", second.invoice_line_ids.ap_match_note)

    def test_quantity_tolerance_edge(self):
        self.company.write({"ap_qty_tolerance_percent": 10.0})
        order = self.make_po()
        self.receive(order)
        first = self.bill([(order.order_line, 11, 100)])
        self.assertEqual(first.ap_match_state, "exception")  # amount 1100 > 1050
        first.button_cancel()  # the next bill has the same vendor, amount and date
        self.company.write({"ap_total_tolerance_percent": 20.0})
        at = self.bill([(order.order_line, 11, 100)])
        self.assertEqual(at.ap_match_state, "matched")
        over = self.bill([(order.order_line, 11.01, 100)])
        self.assertEqual(self.reasons(over), ["over_billed_qty"])

    def test_price_tolerance_edge(self):
        order = self.make_po(qty=1)
        self.receive(order)
        at = self.bill([(order.order_line, 1, 105.0)])
        self.assertEqual(at.ap_match_state, "matched")
        self.assertAlmostEqual(at.invoice_line_ids.ap_price_variance, 5.0)
        over = self.bill([(order.order_line, 1, 105.01)])
        self.assertIn("price_variance", self.reasons(over))
        # an absolute tolerance too: the smaller of the two binds
        self.company.ap_price_tolerance_amount = 3.0
        self.assertIn(
            "price_variance", self.reasons(self.bill([(order.order_line, 1, 103.01)]))
        )
        self.assertEqual(
            self.bill([(order.order_line, 1, 103.0)]).ap_match_state, "matched"
        )

    def test_amount_variance_edge(self):
        # price tolerance wide: only the total catches a bill above the order
        self.company.write(
            {"ap_price_tolerance_percent": 10.0, "ap_total_tolerance_percent": 2.0}
        )
        order = self.make_po()
        self.receive(order)
        at = self.bill([(order.order_line, 10, 102.0)])
        self.assertEqual(at.ap_match_state, "matched")
        over = self.bill([(order.order_line, 10, 102.01)])
        self.assertEqual(self.reasons(over), ["amount_variance"])

    def test_po_closed(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 100)])
        self.assertEqual(bill.ap_match_state, "matched")
        order.button_done()  # a person locked the order: the bill follows
        self.assertEqual(self.reasons(bill), ["po_closed"])
        order.button_unlock()
        self.assertEqual(bill.ap_match_state, "matched")

    def test_frozen_period(self):
        order = self.make_po()
        self.receive(order)
        self.env["integration.freeze"].create(
            {
                "name": "November close",
                "date_from": "2026-11-01",
                "date_to": "2026-11-30",
            }
        )
        bill = self.bill([(order.order_line, 10, 100)])
        self.assertEqual(self.reasons(bill), ["frozen_period"])
        bill.invoice_date = "2026-12-01"
        bill.date = "2026-12-01"
        self.assertEqual(bill.ap_match_state, "matched")

    def test_duplicate(self):
        """A bill the import side finds a duplicate of an earlier one
        (_ap_find_duplicates: same vendor and normalised number) is held."""
        order = self.make_po()
        self.receive(order, qty=10)
        first = self.bill([(order.order_line, 5, 100)])
        first.ref = "INV-0100"
        second = self.bill([(order.order_line, 4, 100)])
        self.assertEqual(self.reasons(second), [])
        second.ref = "inv 100"
        self.assertEqual(self.reasons(second), ["duplicate"])
        self.assertIn(
            first.display_name,
            second.ap_exception_ids.filtered(
                lambda e: e.reason_code == "duplicate"
            ).description,
        )

    def test_vendor_on_hold(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 100)])
        with self.assertRaises(UserError):
            self.vendor.with_user(self.clerk).ap_vendor_on_hold = True
        self.vendor.with_user(self.manager).ap_vendor_on_hold = True
        self.assertEqual(self.reasons(bill), ["vendor_on_hold"])
        self.vendor.with_user(self.manager).ap_vendor_on_hold = False
        self.assertEqual(bill.ap_match_state, "matched")

    def test_vendor_tolerance_override(self):
        order = self.make_po(qty=1)
        other = self.make_po(qty=1, vendor=self.other_vendor)
        self.receive(order)
        self.receive(other)
        with self.assertRaises(UserError):
            self.vendor.with_user(self.clerk).write(
                {"ap_tolerance_override": True, "ap_price_tolerance_percent": 50}
            )
        self.vendor.with_user(self.manager).write(
            {
                "ap_tolerance_override": True,
                "ap_price_tolerance_percent": 10.0,
                "ap_total_tolerance_percent": 10.0,
            }
        )
        self.assertEqual(
            self.bill([(order.order_line, 1, 110.0)]).ap_match_state, "matched"
        )
        self.assertIn(
            "price_variance", self.reasons(self.bill([(order.order_line, 1, 110.01)]))
        )
        # the company's 5 % still binds the other vendor
        self.assertIn(
            "price_variance",
            self.reasons(
                self.bill([(other.order_line, 1, 108.0)], vendor=self.other_vendor)
            ),
        )

    def test_bill_edit_rematches_and_reads_set_wise(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 100)])
        bill.write(
            {"invoice_line_ids": [(1, bill.invoice_line_ids.id, {"price_unit": 120})]}
        )
        self.assertIn("price_variance", self.reasons(bill))
        bill.invoice_line_ids.price_unit = 100
        self.assertEqual(bill.ap_match_state, "matched")
        # a price change on the order moves the match too
        order.order_line.price_unit = 80
        self.assertIn("price_variance", self.reasons(bill))

    def test_match_reads_set_wise(self):
        """The queries of matching a bill do not grow with its lines."""

        def queries_for(n_lines):
            order = self.env["purchase.order"].create(
                {
                    "partner_id": self.vendor.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_qty": 5,
                                "price_unit": 10 + i,
                                "taxes_id": [Command.clear()],
                            }
                        )
                        for i in range(n_lines)
                    ],
                }
            )
            order.button_confirm()
            self.receive(order)
            bill = self.bill([(line, 5, line.price_unit) for line in order.order_line])
            self.assertEqual(bill.ap_match_state, "matched")
            self.env.flush_all()
            self.env.invalidate_all()
            # a fresh recordset: lines read from a cleared cache would each be
            # fetched alone (their prefetch set came from the bill's cache)
            lines = self.env["account.move.line"].browse(bill.invoice_line_ids.ids)
            before = self.env.cr.sql_log_count
            lines._ap_match_lines()
            count = self.env.cr.sql_log_count - before
            # the next bill of the same amount would be this one's duplicate
            bill.button_cancel()
            return count

        queries_for(2)  # the first one reads what every match shares
        self.assertEqual(queries_for(2), queries_for(40))

    def test_match_results_leave_the_bill_accounting_alone(self):
        """The match writes its own fields without account's resync of the bill's
        tax and payable lines (tests/bench/bench_ap.py); the bill's figures stay
        right, and a real edit afterwards still moves its taxes."""
        tax = self.env["account.tax"].create(
            {
                "name": "Match bench 10%",
                "amount": 10.0,
                "amount_type": "percent",
                "type_tax_use": "purchase",
                "company_id": self.company.id,
            }
        )
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 100)])
        bill.invoice_line_ids.tax_ids = tax
        self.assertEqual(bill.ap_match_state, "matched")
        accounting = bill.line_ids
        # an order price change writes new results on the line (the price variance)
        order.order_line.price_unit = 80
        line = bill.invoice_line_ids
        self.assertEqual(line.ap_match_reason, "price_variance")
        self.assertEqual((line.ap_po_price_unit, line.ap_bill_price_unit), (80, 100))
        self.assertEqual(bill.line_ids, accounting)
        self.assertEqual(
            (bill.amount_untaxed, bill.amount_tax, bill.amount_total),
            (1000, 100, 1100),
        )
        self.assertEqual(bill.line_ids.filtered("tax_line_id").balance, 100)
        # the quiet context stays inside the match: editing the bill resyncs
        bill.invoice_line_ids.price_unit = 80
        self.assertEqual(bill.ap_match_state, "matched")
        self.assertEqual(bill.line_ids.filtered("tax_line_id").balance, 80)
        self.assertEqual(bill.amount_total, 880)
        self.assertEqual(sum(bill.line_ids.mapped("balance")), 0)
