# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestReceivedNotBilled(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.check = cls.env.ref("ap_matching.reconciliation_check_unbilled_receipts")
        cls.vendor = cls.env["res.partner"].create({"name": "Test Aggregates"})
        cls.gravel = cls.env["product.product"].create(
            {"name": "Test Gravel", "is_storable": True, "standard_price": 20}
        )
        cls.company = cls.env.company
        cls.company.ap_unbilled_receipt_days = 30

    def received_order(self, days_ago, qty=10, received=10):
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.gravel.id,
                            "product_qty": qty,
                            "price_unit": 20,
                        },
                    )
                ],
            }
        )
        order.button_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = received
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        # the receipt happened back then
        picking.move_ids.write(
            {"date": fields.Datetime.now() - timedelta(days=days_ago)}
        )
        return order

    def drift(self):
        run = self.check._run(self.company)
        return run.drift_ids.filtered(lambda d: d.res_model == "purchase.order")

    def test_old_receipts_without_a_bill_are_reported_and_chased(self):
        late = self.received_order(days_ago=45)
        self.received_order(days_ago=5)  # within the grace: not yet
        partly = self.received_order(days_ago=40, received=6)
        drift = self.drift().filtered(lambda d: d.res_id in (late | partly).ids)
        self.assertEqual(len(drift), 2)
        late_drift = drift.filtered(lambda d: d.res_id == late.id)
        self.assertEqual((late_drift.expected, late_drift.actual), (200, 0))
        self.assertEqual(drift.filtered(lambda d: d.res_id == partly.id).expected, 120)

        # billing the late order takes it off the list
        late.action_create_invoice()
        bill = late.invoice_ids
        bill.invoice_date = fields.Date.today()
        bill.action_post()
        drift = self.drift().filtered(lambda d: d.res_id in (late | partly).ids)
        self.assertEqual(drift.mapped("res_id"), partly.ids)

        # the fix asks the buyer for the bill
        partly.user_id = self.env.ref("base.user_admin")
        drift.action_fix()
        activity = partly.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.env.ref("base.user_admin"))
        self.assertIn("Test Aggregates", activity.summary)


@tagged("post_install", "-at_install")
class TestHeldBillsPastSla(MatchCase):
    def drift(self):
        check = self.env.ref("ap_matching.reconciliation_check_held_bills")
        run = check._run(self.company)
        return run.drift_ids.filtered(lambda d: d.res_model == "account.move")

    def test_held_bill_past_its_deadline_is_reported_and_chased(self):
        order = self.make_po()
        self.receive(order, qty=4)
        late = self.bill([(order.order_line, 10, 100)])  # billed beyond the receipt
        self.assertTrue(late.ap_on_hold)
        self.assertFalse(self.drift().filtered(lambda d: d.res_id == late.id))
        # the deadline passes with the exception still open
        late.ap_exception_ids.write(
            {"deadline": fields.Datetime.now() - timedelta(hours=1)}
        )
        drift = self.drift().filtered(lambda d: d.res_id == late.id)
        self.assertEqual(len(drift), 1)
        self.assertIn("over_billed_qty", drift.message)
        self.company.ap_finance_user_id = self.manager
        drift.action_fix()
        # the next night's run finds it again: the owner is not asked twice
        self.drift().filtered(lambda d: d.res_id == late.id).action_fix()
        chase = late.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertEqual(len(chase), 1, "asked once")
        # received at last: the match passes, nothing is reported
        self.receive(order)
        self.assertFalse(late.ap_on_hold)
        self.assertFalse(self.drift().filtered(lambda d: d.res_id == late.id))
