from odoo.tests import HttpCase, tagged

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestBillHoldTour(HttpCase, MatchCase):
    def test_bill_on_hold_release_post_tour(self):
        order = self.make_po()
        self.receive(order)
        # prepared by a clerk: the administrator (an AP manager) may release it
        bill = self.bill([(order.order_line, 10, 120)])
        bill.ref = "TOUR-BILL"
        self.assertTrue(bill.ap_on_hold)
        self.start_tour("/odoo", "ap_matching_bill_hold_release_post", login="admin")
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.ap_match_state, "released")
        self.assertEqual(bill.ap_released_by_id, self.env.ref("base.user_admin"))
        self.assertEqual(bill.ap_release_reason, "Surcharge agreed with the vendor")
