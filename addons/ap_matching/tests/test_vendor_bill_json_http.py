import hashlib

from odoo.tests import HttpCase, tagged

from .common import PDF, BillHttpMixin, b64, setup_bills


@tagged("post_install", "-at_install")
class TestVendorBillJsonOverHttp(BillHttpMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_bills(cls)
        cls.Move = cls.env["account.move"]
        # the test's vendors' bills (the demo's queued traffic runs with the jobs)
        cls.ours = [("partner_id", "in", (cls.peeters | cls.jansen).ids)]

    def payload(self, external_id="ap-doc-1", number="INV-000777", **extra):
        """The AP platform's extraction of a bill of two PO lines."""
        payload = {
            "external_id": external_id,
            "vendor": {"vat": "BE0477472701", "name": "Peeters"},
            "number": number,
            "invoice_date": "2026-11-20",
            "due_date": "2026-12-31",
            "currency": "USD",
            "purchase_order": "P-AP-0042",
            "lines": [
                {
                    "description": "Rebar 12 mm",
                    "purchase_line_id": self.rebar_line.id,
                    "quantity": 40,
                    "unit_price": 25.0,
                    "taxes": [21],
                },
                {
                    # no line id: the order's one line of this product
                    "product_code": "BLOCK-20",
                    "quantity": 200,
                    "unit_price": 2.5,
                    "taxes": [21],
                    "job": "T-AP-1",
                    "cost_code": "T-AP-03200",
                },
                {
                    "description": "Delivery to site",
                    "quantity": 1,
                    "unit_price": 50.0,
                    "taxes": [6],
                    "job": "T-AP-1",
                },
            ],
            "totals": {"untaxed": 1550.0, "tax": 318.0, "total": 1868.0},
            "document": {
                "filename": "INV-000777.pdf",
                "mimetype": "application/pdf",
                "data": b64(PDF),
            },
        }
        payload.update(extra)
        return payload

    def test_extracted_invoice_becomes_a_draft_bill(self):
        message = self.send_json(self.payload(), "json-1")
        bill = self.bills_of(message, "created")
        self.assertEqual(
            (bill.move_type, bill.state, bill.partner_id, bill.ref),
            ("in_invoice", "draft", self.peeters, "INV-000777"),
        )
        self.assertEqual(str(bill.invoice_date_due), "2026-12-31")
        self.assertEqual(
            (bill.amount_untaxed, bill.amount_tax, bill.amount_total),
            (1550.0, 318.0, 1868.0),
        )
        rebar, block, delivery = bill.invoice_line_ids.sorted("id")
        self.assertEqual(rebar.purchase_line_id, self.rebar_line)
        self.assertEqual(rebar.analytic_distribution, self.distribution, "from the PO")
        self.assertEqual(
            (block.purchase_line_id, block.product_id),
            (self.block_line, self.block),
        )
        self.assertEqual(block.analytic_distribution, self.distribution)
        self.assertFalse(delivery.purchase_line_id)
        self.assertEqual(
            delivery.analytic_distribution, {str(self.job.account_id.id): 100.0}
        )
        self.assertEqual(delivery.tax_ids, self.tax6)
        original = bill.ap_original_attachment_id
        self.assertEqual((original.raw, original.name), (PDF, "INV-000777.pdf"))
        self.assertEqual(bill.ap_document_hash, hashlib.sha256(PDF).hexdigest())
        self.assertEqual(bill.ap_message_id, message)
        self.assertFalse(message.exception_ids)
        # the platform's id maps to the bill
        self.assertEqual(
            self.env["integration.mapping"]._resolve(
                self.system, "account.move", "ap-doc-1"
            ),
            bill,
        )

    def test_totals_that_do_not_add_up_are_raised_bill_kept(self):
        payload = self.payload(totals={"untaxed": 1550.0, "total": 1900.0})
        message = self.send_json(payload, "json-totals")
        bill = self.bills_of(message, "created")
        self.assertEqual(bill.amount_total, 1868.0, "the bill keeps its lines' total")
        exception = message.exception_ids
        self.assertEqual(len(exception), 1)
        self.assertIn("total 1900.0 stated, 1868.0 computed", exception.description)

    def test_resend_under_a_new_key_makes_no_second_bill(self):
        bill = self.bills_of(self.send_json(self.payload(), "json-a"), "created")
        count = self.Move.search_count(self.ours)
        # the same document id again
        again = self.send_json(self.payload(), "json-b")
        self.assertEqual(self.bills_of(again, "duplicate"), bill)
        # a new document id, the number typed otherwise, another scan
        retyped = self.payload(
            external_id="ap-doc-2",
            number="inv 777",
            document={"data": b64(PDF + b"% rescanned\n")},
        )
        self.assertEqual(self.bills_of(self.send_json(retyped, "json-c")), bill)
        # another number but the same PDF: the same document
        same_pdf = self.payload(external_id="ap-doc-3", number="INV-999")
        self.assertEqual(self.bills_of(self.send_json(same_pdf, "json-d")), bill)
        self.assertEqual(self.Move.search_count(self.ours), count)

    def test_credit_note_refers_to_its_bill(self):
        bill = self.bills_of(self.send_json(self.payload(), "json-inv"))
        credit = self.payload(
            external_id="ap-cn-1",
            number="CN-12",
            document_type="credit_note",
            refund_of="INV-777",
            lines=[{"product_code": "REBAR-12", "quantity": 4, "unit_price": 25.0}],
            totals={},
            document=None,
        )
        refund = self.bills_of(self.send_json(credit, "json-cn"), "created")
        self.assertEqual(refund.move_type, "in_refund")
        self.assertEqual(refund.reversed_entry_id, bill)
        self.assertEqual(refund.invoice_line_ids.purchase_line_id, self.rebar_line)
        self.assertEqual(refund.invoice_line_ids.tax_ids, self.tax21, "the PO's taxes")

    def test_vendor_by_mapping_or_name_and_unknown_vendor(self):
        self.env["integration.mapping"]._link(
            self.system, self.jansen, "V-JANSEN", self.env["integration.message"]
        )
        payload = self.payload(
            external_id="ap-j",
            number="J-1",
            vendor={"external_id": "V-JANSEN"},
            purchase_order=None,
            lines=[{"description": "Crane", "unit_price": 100.0, "taxes": []}],
            totals={},
            document=None,
        )
        self.assertEqual(
            self.bills_of(self.send_json(payload, "json-map")).partner_id, self.jansen
        )
        payload.update(
            external_id="ap-j2", number="J-2", vendor={"name": "jansen crane hire bv"}
        )
        self.assertEqual(
            self.bills_of(self.send_json(payload, "json-name")).partner_id, self.jansen
        )
        payload.update(
            external_id="ap-j3", number="J-3", vendor={"vat": "NL000099998B57"}
        )
        message = self.send_json(payload, "json-unknown", state="dead")
        self.assertEqual(message.error_code, "unknown_vendor")
        self.assertFalse(self.bills_of(message))

    def test_bad_input_is_a_clear_error(self):
        response = self.post(
            "vendor_bill.json", b'{"number": 1}', "json-bad", "application/json"
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["code"], "schema_validation_failed")
        payload = self.payload(external_id="ap-tax", number="T-1", totals={})
        payload["lines"][0]["taxes"] = [19.5]
        message = self.send_json(payload, "json-tax", state="dead")
        self.assertEqual(message.error_code, "unknown_tax")
        payload = self.payload(external_id="ap-doc", number="T-2")
        payload["document"]["data"] = "not base64!"
        message = self.send_json(payload, "json-b64", state="dead")
        self.assertEqual(message.error_code, "invalid_document")
