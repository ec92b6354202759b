from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoBill(TransactionCase):
    def test_demo_ubl_invoice_becomes_a_bill_of_its_order(self):
        system = self.env.ref(
            "ap_matching.demo_system_ap_platform", raise_if_not_found=False
        )
        if not system:
            self.skipTest("installed without demo data")
        message = self.env["integration.message"].search(
            [("system_id", "=", system.id), ("idempotency_key", "=", "demo-ubl-bill-0")]
        )
        self.assertEqual(len(message), 1)
        if message.state != "done":
            message._process()
            message.invalidate_recordset()
        self.assertEqual(message.state, "done", message.error_message)
        bill = self.env["account.move"].search([("ap_message_id", "=", message.id)])
        order_line = self.env.ref("ap_matching.demo_po_harbor_rebar_line")
        self.assertEqual(bill.partner_id, order_line.partner_id)
        self.assertEqual(bill.invoice_line_ids.purchase_line_id, order_line)
        self.assertEqual(bill.amount_total, 1477.75)
        self.assertFalse(message.exception_ids)
