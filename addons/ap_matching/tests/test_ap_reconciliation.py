# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged


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
