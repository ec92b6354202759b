from odoo.tests import tagged

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestJobCost(MatchCase):
    def figures(self):
        row = self.job_cost()[(self.concrete, "material")]
        return row.committed, row.actual

    def test_matched_bill_moves_committed_to_actual_once(self):
        """Worked example: 10 m3 at 100 ordered for job × concrete (committed
        1,000); 6 received and billed by a bill made without any coding: the
        match gives its line the order line's job × cost code, so posting it moves
        600 from committed to actual, and committed + actual stays 1,000."""
        order = self.make_po(qty=10, price=100)
        self.assertEqual(self.figures(), (1000, 0))
        self.receive(order, qty=6)
        bill = self.bill([(order.order_line, 6, 100)])
        line = bill.invoice_line_ids
        self.assertEqual(line.analytic_distribution, self.distribution)
        # a draft bill leaves committed in place
        self.assertEqual(self.figures(), (1000, 0))
        bill.action_post()
        committed, actual = self.figures()
        self.assertEqual((committed, actual), (400, 600))
        self.assertEqual(committed + actual, 1000)
        # the rest billed: all actual, nothing committed, nothing twice
        self.receive(order, qty=4)
        rest = self.bill([(order.order_line, 4, 100)])
        self.assertEqual(rest.ap_match_state, "matched")
        rest.action_post()
        self.assertEqual(self.figures(), (0, 1000))
