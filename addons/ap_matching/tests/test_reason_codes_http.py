import json

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import make_system, perform_jobs

from .common import API, BillHttpMixin, setup_bills


@tagged("post_install", "-at_install")
class TestEveryReasonCodeOverHttp(BillHttpMixin, HttpCase):
    """Each reason a bill is held for, reached the way the AP platform reaches it: a
    vendor_bill.json message over real HTTP, run by the job, matched against order
    P-AP-0042 (rebar 40 × 25.00, blocks 200 × 2.50). Tolerances are the company's
    defaults unless a test sets them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_bills(cls)
        cls.company = cls.env.company

    def receive_all(self, order=None):
        picking = (order or self.order).picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()

    def bill(self, key, lines, order="P-AP-0042", number=None, date="2026-11-20"):
        payload = {
            "external_id": key,
            "vendor": {"vat": "BE0477472701", "name": "Peeters"},
            "number": number or f"INV-{key}",
            "invoice_date": date,
            "currency": "USD",
            "lines": lines,
        }
        if order:
            payload["purchase_order"] = order
        bill = self.bills_of(self.send_json(payload, key), "created")
        self.assertEqual(len(bill), 1)
        return bill

    def rebar_bill_line(self, quantity=40, unit_price=25.0):
        return {
            "description": "Rebar 12 mm",
            "purchase_line_id": self.rebar_line.id,
            "quantity": quantity,
            "unit_price": unit_price,
        }

    def assertHeldFor(self, bill, code):
        bill.invalidate_recordset()
        self.assertIn(code, (bill.ap_reason_codes or "").split(), bill.ap_reason_codes)
        self.assertEqual(bill.ap_match_state, "exception")
        self.assertTrue(bill.ap_on_hold)

    def test_matched_when_everything_agrees(self):
        self.receive_all()
        bill = self.bill("ok", [self.rebar_bill_line()])
        self.assertEqual(bill.ap_match_state, "matched")
        self.assertFalse(bill.ap_reason_codes)

    def test_no_po(self):
        line = {"description": "Site cleaning", "quantity": 1, "unit_price": 80.0}
        self.assertHeldFor(self.bill("no-po", [line], order=None), "no_po")

    def test_po_line_not_found(self):
        line = {"product_code": "NO-SUCH-ITEM", "quantity": 1, "unit_price": 10.0}
        self.assertHeldFor(self.bill("no-line", [line]), "po_line_not_found")

    def test_not_received(self):
        self.assertHeldFor(
            self.bill("not-received", [self.rebar_bill_line()]), "not_received"
        )

    def test_over_billed_quantity(self):
        self.receive_all()
        self.assertHeldFor(
            self.bill("over", [self.rebar_bill_line(quantity=50)]), "over_billed_qty"
        )

    def test_price_variance(self):
        self.receive_all()
        bill = self.bill("price", [self.rebar_bill_line(unit_price=30.0)])
        self.assertHeldFor(bill, "price_variance")

    def test_amount_variance(self):
        # the price tolerance is wide: only the line total catches the bill
        self.company.write(
            {"ap_price_tolerance_percent": 10.0, "ap_total_tolerance_percent": 2.0}
        )
        self.receive_all()
        bill = self.bill("amount", [self.rebar_bill_line(unit_price=26.0)])
        self.assertHeldFor(bill, "amount_variance")
        self.assertNotIn("price_variance", bill.ap_reason_codes.split())

    def test_po_closed(self):
        self.receive_all()
        self.order.button_done()
        self.assertHeldFor(self.bill("closed", [self.rebar_bill_line()]), "po_closed")

    def test_po_cancelled(self):
        self.order.button_cancel()
        self.assertHeldFor(
            self.bill("cancelled", [self.rebar_bill_line()]), "po_closed"
        )

    def test_the_match_runs_again_when_the_order_is_cancelled(self):
        bill = self.bill("then-cancelled", [self.rebar_bill_line()])
        self.assertHeldFor(bill, "not_received")
        self.order.button_cancel()
        self.assertHeldFor(bill, "po_closed")

    def test_the_match_runs_again_when_the_site_confirms_the_receipt(self):
        """Held as not received; the site's receipt.confirm, over HTTP from the
        field app, lets it through: no one touches the bill."""
        bill = self.bill("wait-receipt", [self.rebar_bill_line()])
        self.assertHeldFor(bill, "not_received")
        site, site_key = make_system(
            self.env,
            "site_receipts_rc",
            self.env.ref("ap_matching.flow_receipt_confirm"),
            groups=["ap_matching.group_ap_site_receiver"],
        )
        perform_jobs(self.env)
        confirmation = {
            "external_id": "RC-WAIT-1",
            "purchase_order": self.order.name,
            "date": "2026-11-19T07:30:00Z",
            "received_by": "Test Foreman",
            "lines": [{"po_line_id": self.rebar_line.id, "quantity": 40}],
        }
        response = self.url_open(
            f"{API}/flows/receipt.confirm",
            data=json.dumps(confirmation).encode(),
            headers={
                "Authorization": f"Bearer {site_key}",
                "Content-Type": "application/json",
                "Idempotency-Key": "rc-wait-1",
            },
        )
        self.assertEqual(response.status_code, 202, response.text)
        perform_jobs(self.env)
        bill.invalidate_recordset()
        self.assertEqual(bill.ap_match_state, "matched", bill.ap_reason_codes)
        self.assertFalse(bill.ap_on_hold)

    def test_the_match_runs_again_when_an_order_line_changes(self):
        self.receive_all()
        bill = self.bill("po-qty", [self.rebar_bill_line(quantity=40, unit_price=27.0)])
        self.assertHeldFor(bill, "price_variance")
        # purchasing agrees the vendor's price on the order: the bill matches
        self.rebar_line.price_unit = 27.0
        bill.invalidate_recordset()
        self.assertEqual(bill.ap_match_state, "matched", bill.ap_reason_codes)

    def test_frozen_period(self):
        self.receive_all()
        self.env["integration.freeze"].create(
            {
                "name": "November close",
                "date_from": "2026-11-01",
                "date_to": "2026-11-30",
            }
        )
        self.assertHeldFor(
            self.bill("frozen", [self.rebar_bill_line()]), "frozen_period"
        )

    def test_duplicate(self):
        self.receive_all()
        first = self.bill(
            "dup-1", [self.rebar_bill_line(quantity=20)], number="INV-0100"
        )
        self.assertEqual(first.ap_match_state, "matched")
        # another document (new id, new key), another number, but the same vendor,
        # amount and date: held beside the earlier one
        second = self.bill(
            "dup-2", [self.rebar_bill_line(quantity=20)], number="INV-0101"
        )
        self.assertHeldFor(second, "duplicate")
        self.assertIn(first, second.ap_duplicate_ids)

    def test_vendor_on_hold(self):
        self.receive_all()
        self.peeters.with_user(self.manager).ap_vendor_on_hold = True
        self.assertHeldFor(
            self.bill("vendor-hold", [self.rebar_bill_line()]), "vendor_on_hold"
        )
