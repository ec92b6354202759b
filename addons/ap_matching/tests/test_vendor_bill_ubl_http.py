import hashlib

from odoo.tests import HttpCase, tagged

from odoo.addons.construction_project_sync.tests.common import ensure_chart_of_accounts
from odoo.addons.integration_queue.tests.common import make_system, perform_jobs

from .common import (
    SYSTEM_GROUPS,
    BillHttpMixin,
    fixture,
    purchase_tax,
    setup_bills,
)


@tagged("post_install", "-at_install")
class TestVendorBillUblOverHttp(BillHttpMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_bills(cls)
        cls.Move = cls.env["account.move"]
        # zero-rated (Z) and exempt (E) lines: Odoo maps a line's tax by its rate
        cls.tax0 = purchase_tax(cls.env, 0)
        # the test's vendors' bills (the demo's queued traffic runs with the jobs)
        cls.ours = [("partner_id", "in", (cls.peeters | cls.jansen).ids)]

    def assertBill(self, bill, move_type, partner, ref, untaxed, tax, total):
        self.assertEqual(len(bill), 1)
        self.assertEqual(
            (bill.move_type, bill.state, bill.partner_id, bill.ref),
            (move_type, "draft", partner, ref),
        )
        self.assertEqual(bill.currency_id, self.env.ref("base.USD"))
        self.assertEqual(
            (bill.amount_untaxed, bill.amount_tax, bill.amount_total),
            (untaxed, tax, total),
        )

    def test_invoice_with_order_references(self):
        body = fixture("invoice_order_refs.xml")
        message = self.send_ubl(body, "ubl-1")
        bill = self.bills_of(message, "created")
        self.assertEqual(len(bill), 1)
        self.assertEqual(
            (bill.move_type, bill.state, bill.partner_id, bill.ref),
            ("in_invoice", "draft", self.peeters, "INV-2026-0042"),
        )
        self.assertEqual(str(bill.invoice_date), "2026-11-20")
        self.assertEqual(str(bill.invoice_date_due), "2026-12-20")
        self.assertEqual(bill.invoice_origin, "P-AP-0042")
        self.assertEqual((bill.amount_untaxed, bill.amount_total), (1500.0, 1815.0))
        lines = bill.invoice_line_ids.sorted("sequence")
        self.assertEqual(lines.purchase_line_id, self.rebar_line | self.block_line)
        rebar = lines.filtered(lambda line: line.product_id == self.rebar)
        self.assertEqual(rebar.purchase_line_id, self.rebar_line)
        self.assertEqual(rebar.analytic_distribution, self.distribution)
        self.assertEqual(rebar.tax_ids, self.tax21)
        # the original, as received, on the message and on the bill
        self.assertTrue(message.raw_body.startswith("<?xml"))
        self.assertEqual(bill.ap_message_id, message)
        self.assertEqual(bill.ap_original_attachment_id.raw, body)
        self.assertEqual(bill.ap_original_attachment_id.res_id, bill.id)
        self.assertEqual(bill.ap_document_hash, hashlib.sha256(body).hexdigest())
        self.assertFalse(message.exception_ids)
        self.assertFalse(bill.ap_duplicate_ids)

    def test_resend_under_new_key_makes_no_second_bill(self):
        body = fixture("invoice_order_refs.xml")
        bill = self.bills_of(self.send_ubl(body, "ubl-first"), "created")
        count = self.Move.search_count(self.ours)
        # the same file under a new key: the same document hash
        again = self.send_ubl(body, "ubl-again")
        self.assertEqual(self.bills_of(again), bill)
        self.assertEqual(again.lineage_ids.action, "duplicate")
        self.assertIn("Duplicate", again.attempt_ids.error_message or "")
        # the vendor's number typed differently, in a file that differs: the same
        # vendor and normalised number
        retyped = body.replace(b"INV-2026-0042", b"inv 2026 042").replace(
            b"<cbc:Note>", b"<cbc:Note>resent "
        )
        third = self.send_ubl(retyped, "ubl-retyped")
        self.assertEqual(self.bills_of(third, "duplicate"), bill)
        self.assertEqual(self.Move.search_count(self.ours), count)
        # and the hub's own idempotency: the same key answers as before
        response = self.post("vendor_bill.ubl", body, "ubl-first", "application/xml")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers.get("Idempotent-Replayed"), "true")

    def test_credit_note_refers_to_its_invoice(self):
        invoice = self.bills_of(
            self.send_ubl(fixture("invoice_order_refs.xml"), "ubl-inv"), "created"
        )
        message = self.send_ubl(fixture("credit_note.xml"), "ubl-cn")
        refund = self.bills_of(message, "created")
        self.assertEqual(
            (refund.move_type, refund.ref, refund.amount_total),
            ("in_refund", "CN-2026-0007", 121.0),
        )
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertEqual(refund.invoice_line_ids.purchase_line_id, self.rebar_line)
        self.assertEqual(refund.invoice_line_ids.quantity, 4)
        self.assertFalse(refund.ap_duplicate_ids, "a credit note is no duplicate")

    def test_allowances_charges_and_two_vat_rates(self):
        message = self.send_ubl(fixture("invoice_allowances_two_rates.xml"), "ubl-ac")
        bill = self.bills_of(message, "created")
        self.assertEqual(bill.amount_untaxed, 1480.0)
        self.assertEqual(bill.amount_tax, 265.8)
        self.assertEqual(bill.amount_total, 1745.8)
        lines = bill.invoice_line_ids
        self.assertEqual(
            sorted(lines.mapped("price_subtotal")), [-60.0, 40.0, 300.0, 1200.0]
        )
        self.assertEqual(lines.tax_ids, self.tax21 | self.tax6)
        self.assertFalse(lines.purchase_line_id, "no order referenced")
        self.assertFalse(message.exception_ids, "totals agree")

    def test_other_currency(self):
        bill = self.bills_of(self.send_ubl(fixture("invoice_eur.xml"), "ubl-eur"))
        self.assertEqual(bill.currency_id, self.env.ref("base.EUR"))
        self.assertEqual(bill.amount_total, 968.0)
        self.assertEqual(bill.company_currency_id, self.env.ref("base.USD"))
        # converted at the document's date rate (0.9 EUR a USD)
        self.assertAlmostEqual(abs(bill.amount_total_signed), 968.0 / 0.9, places=2)

    def test_vendor_known_by_endpoint_id_only(self):
        bill = self.bills_of(
            self.send_ubl(fixture("invoice_endpoint_only.xml"), "ubl-ep")
        )
        self.assertEqual(bill.partner_id, self.jansen)
        self.assertEqual((bill.ref, bill.amount_total), ("JCH/2026/118", 919.6))

    def test_unknown_vendor_is_a_business_exception_and_replayable(self):
        body = (
            fixture("invoice_endpoint_only.xml")
            .replace(b"5790000435975", b"5790000000001")
            .replace(b"Kraanverhuur J.", b"Unknown Cranes")
        )
        count = self.Move.search_count(self.ours)
        message = self.send_ubl(body, "ubl-unknown", state="dead")
        self.assertEqual(message.error_code, "unknown_vendor")
        self.assertIn("No vendor in Odoo matches", message.error_message)
        self.assertTrue(message.exception_ids)
        self.assertEqual(self.Move.search_count(self.ours), count)
        # the vendor is made known: the stored document is replayed into a bill
        self.jansen.peppol_endpoint = "5790000000001"
        message.action_replay()
        perform_jobs(self.env)
        message.invalidate_recordset()
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.bills_of(message).partner_id, self.jansen)

    def test_document_the_decoder_refuses_fails_cleanly(self):
        """Well-formed, but a line without any price: Odoo's decoder refuses it;
        the message fails as a business rule, nothing of the bill is left."""
        body = fixture("invoice_endpoint_only.xml")
        line = body[body.index(b"<cac:InvoiceLine>") :]
        amount = b'<cbc:LineExtensionAmount currencyID="USD">760.00</cbc:'
        price = b'<cbc:PriceAmount currencyID="USD">95.00</cbc:PriceAmount>'
        bad = line.replace(amount + b"LineExtensionAmount>", b"").replace(price, b"")
        message = self.send_ubl(body.replace(line, bad), "ubl-noprice", state="dead")
        self.assertEqual(message.error_code, "business_rule")
        self.assertFalse(self.Move.search([("ap_message_id", "=", message.id)]))
        self.assertFalse(self.Move.search([("partner_id", "=", self.jansen.id)]))
        self.assertTrue(message.raw_body, "kept, to replay once corrected")

    def test_unreadable_documents_are_422_and_kept(self):
        cases = [
            (b"<Invoice><cbc:ID>1</Invoice>", "malformed"),
            (
                b'<?xml version="1.0"?><Order xmlns="urn:oasis:names:specification:'
                b'ubl:schema:xsd:Order-2"><ID>1</ID></Order>',
                "not_an_invoice",
            ),
            (
                fixture("invoice_eur.xml").replace(
                    b"<cbc:ID>INV-2026-0050</cbc:ID>", b""
                ),
                "missing_field",
            ),
            (
                fixture("invoice_eur.xml").replace(
                    b"urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:"
                    b"billing:3.0",
                    b"urn:example:not-a-known-format",
                ),
                "unsupported_format",
            ),
        ]
        for index, (body, code) in enumerate(cases):
            with self.subTest(code=code):
                response = self.post(
                    "vendor_bill.ubl", body, f"bad-{index}", "application/xml"
                )
                self.assertEqual(response.status_code, 422, response.text)
                problem = response.json()
                self.assertEqual(problem["code"], "document_not_parsable")
                self.assertEqual(problem["parser_code"], code)
                message = self.env["integration.message"].browse(problem["message_id"])
                self.assertEqual(message.state, "rejected")
                self.assertEqual(message.raw_body.encode(), body)

    def test_json_body_is_refused_by_the_ubl_flow(self):
        response = self.post(
            "vendor_bill.ubl", b'{"number": "1"}', "ubl-json", "application/json"
        )
        self.assertEqual(response.status_code, 422, response.text)

    def test_companies_keep_their_own_bills(self):
        """One shared AP platform per company: the same vendor's document sent to
        two companies is a bill in each, neither a duplicate of the other."""
        company_b = self.env["res.company"].create({"name": "AP Company B"})
        ensure_chart_of_accounts(self.env, company_b)
        purchase_tax(self.env, 21, company_b)
        flow = self.env.ref("ap_matching.flow_vendor_bill_ubl")
        system_b, key_b = make_system(
            self.env, "ap_platform_b", flow, company=company_b, groups=SYSTEM_GROUPS
        )
        body = fixture("invoice_order_refs.xml")
        bill_a = self.bills_of(self.send_ubl(body, "mc-a"), "created")
        key_a, self.key = self.key, key_b
        message_b = self.send_ubl(body, "mc-b")
        self.key = key_a
        bill_b = self.bills_of(message_b, "created")
        self.assertTrue(bill_b)
        self.assertEqual(
            (bill_a.company_id, bill_b.company_id), (self.env.company, company_b)
        )
        self.assertFalse(bill_b.invoice_line_ids.purchase_line_id, "A's order")
        self.assertIn("is not known", message_b.attempt_ids.error_message)
        self.assertFalse((bill_a | bill_b)._ap_find_duplicates())
        # company A's platform does not see company B's bill
        Move = self.env["account.move"].with_user(self.system.user_id)
        self.assertFalse(Move.search([("id", "=", bill_b.id)]))
        self.assertEqual(system_b.user_id.company_ids, company_b)

    def test_clerk_opens_the_bill_form(self):
        bill = self.bills_of(self.send_ubl(fixture("invoice_eur.xml"), "ubl-form"))
        Move = self.env["account.move"].with_user(self.clerk)
        arch = Move.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("ap_duplicate_ids", arch)
        self.assertIn("ap_original_attachment_id", arch)
        self.assertNotIn('name="action_ap_view_message"', arch, "integration users")
        values = Move.browse(bill.id).web_read(
            {
                "ap_message_id": {"fields": {"display_name": {}}},
                "ap_original_attachment_id": {"fields": {"display_name": {}}},
                "ap_duplicate_ids": {"fields": {"display_name": {}}},
                "ap_duplicate_count": {},
            }
        )[0]
        self.assertEqual(
            values["ap_original_attachment_id"]["id"], bill.ap_original_attachment_id.id
        )
        self.assertEqual(values["ap_duplicate_count"], 0)

    # ------------------------------------------------------------ dialects
    def test_plain_ubl_21_invoice_vendor_by_vat_only(self):
        """UBL 2.1 that is no Peppol document: a UBLVersionID, no Peppol
        CustomizationID nor ProfileID, the vendor known by its VAT number only (no
        EndpointID, a trading name Odoo does not know)."""
        message = self.send_ubl(fixture("invoice_plain_ubl21.xml"), "ubl-plain")
        bill = self.bills_of(message, "created")
        self.assertBill(
            bill, "in_invoice", self.peeters, "PBM-2026-311", 700.0, 147.0, 847.0
        )
        self.assertEqual(str(bill.invoice_date), "2026-11-24")
        self.assertEqual(str(bill.invoice_date_due), "2026-12-24")
        self.assertEqual(bill.invoice_line_ids.tax_ids, self.tax21)
        self.assertEqual(
            sorted(bill.invoice_line_ids.mapped("price_subtotal")), [160.0, 540.0]
        )
        self.assertFalse(message.exception_ids, "totals agree")
        # with the generic UBL 2.1 customization some senders put
        generic = (
            fixture("invoice_plain_ubl21.xml")
            .replace(b"PBM-2026-311", b"PBM-2026-312")
            .replace(
                b"</cbc:UBLVersionID>",
                b"</cbc:UBLVersionID>\n    <cbc:CustomizationID>urn:oasis:names:"
                b"specification:ubl:xpath:Invoice-2.1</cbc:CustomizationID>",
            )
        )
        other = self.bills_of(self.send_ubl(generic, "ubl-plain-2"), "created")
        self.assertBill(
            other, "in_invoice", self.peeters, "PBM-2026-312", 700.0, 147.0, 847.0
        )

    def test_prefixed_root_and_namespaces(self):
        """<ubl:Invoice xmlns:ubl=...>, as some access points send it; and the
        component namespaces under other prefixes than cac/cbc."""
        body = fixture("invoice_prefixed_root.xml")
        self.assertTrue(
            body.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>\n<ubl:')
        )
        message = self.send_ubl(body, "ubl-prefixed")
        bill = self.bills_of(message, "created")
        self.assertBill(
            bill, "in_invoice", self.jansen, "JCH/2026/121", 1920.0, 403.2, 2323.2
        )
        self.assertEqual(
            (bill.invoice_line_ids.quantity, bill.invoice_line_ids.price_unit),
            (3.0, 640.0),
        )
        self.assertEqual(bill.invoice_line_ids.tax_ids, self.tax21)
        self.assertFalse(message.exception_ids)
        renamed = (
            body.replace(b"JCH/2026/121", b"JCH/2026/122")
            .replace(b"xmlns:cac=", b"xmlns:a=")
            .replace(b"xmlns:cbc=", b"xmlns:b=")
            .replace(b"cac:", b"a:")
            .replace(b"cbc:", b"b:")
        )
        other = self.bills_of(self.send_ubl(renamed, "ubl-renamed"), "created")
        self.assertBill(
            other, "in_invoice", self.jansen, "JCH/2026/122", 1920.0, 403.2, 2323.2
        )

    def test_credit_note_as_invoice_type_381(self):
        """An Invoice whose InvoiceTypeCode is 381 (a credit note) with positive
        amounts: a vendor refund with positive amounts, not a bill."""
        invoice = self.bills_of(
            self.send_ubl(fixture("invoice_order_refs.xml"), "ubl-381-inv"), "created"
        )
        message = self.send_ubl(fixture("invoice_type_381.xml"), "ubl-381")
        refund = self.bills_of(message, "created")
        self.assertBill(
            refund, "in_refund", self.peeters, "CN-2026-0009", 120.0, 25.2, 145.2
        )
        line = refund.invoice_line_ids
        self.assertEqual(
            (line.quantity, line.price_unit, line.price_subtotal), (48.0, 2.5, 120.0)
        )
        self.assertEqual(line.tax_ids, self.tax21)
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertFalse(refund.ap_duplicate_ids, "a credit note is no duplicate")
        self.assertFalse(message.exception_ids, "totals agree")
        # booked as a vendor refund: the payable debited, never held by the match
        # of bills (read as a bill first, it would be, for want of an order)
        payable = refund.line_ids.filtered(lambda x: x.display_type == "payment_term")
        self.assertEqual(payable.balance, 145.2)
        self.assertFalse(refund.ap_match_state)
        self.assertFalse(refund.ap_on_hold)
        self.assertFalse(refund.ap_exception_ids)

    def test_several_vat_categories(self):
        """Standard rated (S 21 %), zero rated (Z 0 %) and exempt (E 0 % with its
        exemption reason), a TaxSubtotal each."""
        message = self.send_ubl(fixture("invoice_vat_categories.xml"), "ubl-vat")
        bill = self.bills_of(message, "created")
        self.assertBill(
            bill, "in_invoice", self.peeters, "INV-2026-0061", 800.0, 105.0, 905.0
        )
        lines = bill.invoice_line_ids.sorted("sequence")
        self.assertEqual(lines.mapped("price_subtotal"), [500.0, 100.0, 200.0])
        self.assertEqual(
            [line.tax_ids for line in lines], [self.tax21, self.tax0, self.tax0]
        )
        # the document's TaxSubtotals: 500 at 21 % (105), 100 + 200 at 0 %
        base = {
            tax: sum(
                lines.filtered(lambda x, tax=tax: x.tax_ids == tax).mapped(
                    "price_subtotal"
                )
            )
            for tax in (self.tax21, self.tax0)
        }
        self.assertEqual(base, {self.tax21: 500.0, self.tax0: 300.0})
        tax_lines = bill.line_ids.filtered("tax_line_id")
        self.assertEqual(
            abs(
                sum(
                    tax_lines.filtered(lambda x: x.tax_line_id == self.tax21).mapped(
                        "amount_currency"
                    )
                )
            ),
            105.0,
        )
        self.assertFalse(
            sum(
                tax_lines.filtered(lambda x: x.tax_line_id == self.tax0).mapped(
                    "amount_currency"
                )
            )
        )
        self.assertFalse(message.exception_ids, "totals agree")

    def test_line_level_allowance(self):
        """An AllowanceCharge inside an InvoiceLine (ChargeIndicator false): the
        bill line's subtotal is the line's LineExtensionAmount, no extra line."""
        message = self.send_ubl(fixture("invoice_line_allowance.xml"), "ubl-line-ac")
        bill = self.bills_of(message, "created")
        self.assertBill(
            bill, "in_invoice", self.peeters, "INV-2026-0062", 400.0, 84.0, 484.0
        )
        lines = bill.invoice_line_ids.sorted("sequence")
        self.assertEqual(lines.mapped("price_subtotal"), [270.0, 130.0])
        self.assertEqual((lines[0].quantity, lines[0].price_unit), (20.0, 15.0))
        self.assertAlmostEqual(lines[0].discount, 10.0)
        self.assertEqual(lines.tax_ids, self.tax21)
        self.assertFalse(message.exception_ids, "totals agree")

    def test_placeholders_of_real_feeds(self):
        """An empty Note, no DueDate and an OrderReference 'NA': the bill is made,
        without a purchase order, and held for it like any bill without one."""
        message = self.send_ubl(fixture("invoice_placeholders.xml"), "ubl-na")
        bill = self.bills_of(message, "created")
        self.assertBill(
            bill, "in_invoice", self.peeters, "INV-2026-0063", 250.0, 52.5, 302.5
        )
        self.assertEqual(str(bill.invoice_date), "2026-11-28")
        self.assertTrue(bill.invoice_date_due)
        self.assertGreaterEqual(bill.invoice_date_due, bill.invoice_date)
        self.assertFalse(bill.narration)
        self.assertFalse(bill.invoice_line_ids.purchase_line_id)
        self.assertIn("Purchase order 'NA'", message.attempt_ids.error_message or "")
        bill.invalidate_recordset()
        self.assertEqual((bill.ap_reason_codes or "").split(), ["no_po"])
        self.assertEqual(bill.ap_match_state, "exception")
        self.assertTrue(bill.ap_on_hold)
