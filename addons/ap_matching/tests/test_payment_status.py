# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.tests import tagged

from odoo.addons.integration_queue.tests.common import make_system

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestPaymentStatusBack(MatchCase):
    """A vendor bill paid, then its payment taken back: the AP and field platforms
    get a signed event each time, with the remittance."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system, _key = make_system(
            cls.env,
            "ap_payments_test",
            cls.env["integration.flow"],
            company=cls.company,
        )
        cls.env["integration.webhook.subscription"].create(
            {
                "name": "AP platform payments",
                "system_id": cls.system.id,
                "url": "http://127.0.0.1:9/hooks",
                "event_types": "vendor_bill.*",
            }
        )

    def events(self, bill, event_type):
        return self.env["integration.outbox"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", bill.id),
                ("event_type", "=", event_type),
            ]
        )

    def pay(self, bill, amount=None, memo="PAY-REF-1"):
        vals = {"payment_date": "2026-11-20"}
        if amount:
            vals["amount"] = amount
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create(vals)
        )
        # the memo last: the wizard works it out again from the amount
        wizard.communication = memo
        return wizard._create_payments()

    def test_paid_then_reversed(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 100)])
        bill.ref = "V-INV-77"
        bill.action_post()
        self.assertFalse(self.events(bill, "vendor_bill.paid"))

        payment = self.pay(bill)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        paid = self.events(bill, "vendor_bill.paid")
        self.assertEqual(len(paid), 1)
        data = json.loads(paid.data)
        self.assertEqual(data["vendor_reference"], "V-INV-77")
        self.assertEqual((data["amount_total"], data["amount_paid"]), (1000, 1000))
        self.assertEqual(data["payment_date"], "2026-11-20")
        self.assertEqual(data["payment_references"], ["PAY-REF-1"])

        # the payment is taken back: the bill is open again, and they are told
        payment.action_draft()
        self.assertEqual(bill.payment_state, "not_paid")
        reversed_ = self.events(bill, "vendor_bill.payment_reversed")
        self.assertEqual(len(reversed_), 1)
        self.assertEqual(json.loads(reversed_.data)["amount_residual"], 1000)

    def test_partial_payment_is_no_paid_event(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 100)])
        bill.action_post()
        taken_back = self.pay(bill, amount=400, memo="PAY-REF-0")
        self.assertEqual(bill.payment_state, "partial")
        self.assertFalse(self.events(bill, "vendor_bill.paid"))
        # taken back while partial: the platforms were told nothing, nor are now
        taken_back.action_draft()
        self.assertEqual(bill.payment_state, "not_paid")
        self.assertFalse(self.events(bill, "vendor_bill.payment_reversed"))
        self.pay(bill, amount=400)
        self.assertFalse(self.events(bill, "vendor_bill.paid"))
        self.pay(bill, amount=600, memo="PAY-REF-2")
        data = json.loads(self.events(bill, "vendor_bill.paid").data)
        self.assertEqual(data["amount_paid"], 1000)
        self.assertEqual(sorted(data["payment_references"]), ["PAY-REF-1", "PAY-REF-2"])
