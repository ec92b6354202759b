from odoo import Command
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

    def test_foreign_currency_each_document_at_its_own_rate(self):
        """Worked example in another currency whose rate moves between the order
        and the bill: 10 at 100 ordered on 15 October (2 company units a unit:
        committed 2,000); 6 received and billed on 10 November at 2.5. The match
        compares the documents in their own currency (no variance from the rate);
        posting moves 6 out of committed at the order's rate (800 left) and puts
        the bill at its own rate into actual (1,500)."""
        currency = self.env.ref("base.EUR")
        if currency == self.company.currency_id:
            currency = self.env.ref("base.GBP")
        currency.active = True
        self.env["res.currency.rate"].create(
            [
                {"currency_id": currency.id, "name": "2026-01-01", "rate": 0.5},
                {"currency_id": currency.id, "name": "2026-11-01", "rate": 0.4},
            ]
        )
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "currency_id": currency.id,
                "date_order": "2026-10-15 09:00:00",
                "job_id": self.job.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_qty": 10,
                            "price_unit": 100,
                            "taxes_id": [Command.clear()],
                            "analytic_distribution": self.distribution,
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        self.assertEqual(self.figures(), (2000, 0))
        self.receive(order, qty=6)
        bill = self.bill([(order.order_line, 6, 100)])
        bill.currency_id = currency
        self.assertEqual(bill.ap_match_state, "matched", bill.ap_reason_codes)
        bill.action_post()
        self.assertEqual(bill.amount_total_signed, -1500)
        self.assertEqual(self.figures(), (800, 1500))
