# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestBillsVsReceipts(MatchCase):
    """Reconciliation: posted bills billing more than arrived on a purchase order."""

    def test_billed_beyond_received_is_reported_with_its_fix(self):
        order = self.make_po(qty=10, price=100)
        self.receive(order, qty=5)
        bill = self.bill([(order.order_line, 8, 100)])
        self.assertIn("over_billed_qty", self.reasons(bill))
        check = self.env.ref("ap_matching.reconciliation_check_bills_vs_receipts")

        def drift():
            run = check._run(self.company)
            return run.drift_ids.filtered(lambda d: d.res_id == order.id)

        # a draft bill is no drift: the match holds it
        self.assertFalse(drift())
        bill.with_user(self.manager)._ap_release("Vendor confirmed the rest ships")
        bill.action_post()
        found = drift()
        self.assertEqual((found.expected, found.actual), (500, 800))
        # the fix asks the buyer to have the rest received or get a credit note
        found.action_fix()
        self.assertTrue(order.activity_ids)


@tagged("post_install", "-at_install")
class TestSubcontractDemo(TransactionCase):
    def test_demo_pay_application_waits_for_its_project_manager(self):
        order = self.env.ref(
            "ap_matching.subcontract_po_warehouse_steel", raise_if_not_found=False
        )
        app = order and order.ap_pay_app_ids
        if not app:
            self.skipTest("installed without demo data")
        # erection: 90,000 + 15,000 stored, deck 20,000; 10 % retention
        self.assertEqual(
            (app.state, app.total_completed_stored, app.retainage_total),
            ("submitted", 125000, 12500),
        )
        self.assertEqual(app.current_payment_due, 112500)
        self.assertFalse(app.compliance_problem)
        self.assertEqual(app.job_id.user_id, self.env.ref("base.user_admin"))
