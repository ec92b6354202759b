from odoo.tests import tagged

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestMatch(MatchCase):
    def test_bill_from_po_matches_and_posts(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill_from_po(order)
        self.assertEqual(bill.ap_match_state, "matched")
        self.assertFalse(bill.ap_on_hold)
        line = bill.invoice_line_ids
        self.assertEqual(line.ap_match_state, "matched")
        self.assertEqual(line.ap_received_qty, 10)
        self.assertEqual(line.ap_po_price_unit, 100)
        self.assertEqual(line.analytic_distribution, self.distribution)
        bill.action_post()
        self.assertEqual(bill.state, "posted")
