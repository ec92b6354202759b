import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.integration_queue.tests.common import make_system

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestRouting(MatchCase):
    """Each reason goes to its owner as a hub exception with an activity and an
    SLA by amount; the resolutions re-run the match."""

    def open_exceptions(self, bill):
        return bill.ap_exception_ids.filtered(
            lambda e: e.state in ("open", "in_progress")
        )

    def resolve(self, bill, user, action, note=None, **extra):
        wizard = (
            self.env["ap.hold.resolution"]
            .with_user(user)
            .with_context(default_move_id=bill.id)
            .create({"action": action, "note": note, **extra})
        )
        return wizard.action_apply()

    def test_owners_activity_and_sla(self):
        order = self.make_po()
        bill = self.bill([(order.order_line, 10, 100)])  # not received
        exc = self.open_exceptions(bill)
        self.assertEqual(exc.reason_code, "not_received")
        self.assertEqual(exc.owner_id, self.site_manager)
        self.assertEqual(exc.res_model, "account.move")
        self.assertEqual(exc.res_id, bill.id)
        self.assertEqual(exc.activity_ids.user_id, self.site_manager)
        self.assertEqual(exc.criticality, "normal")
        hours = (exc.deadline - fields.Datetime.now()) / timedelta(hours=1)
        self.assertAlmostEqual(hours, 72, delta=1)
        # the site manager's worklist shows it
        action = self.env.ref("ap_matching.action_ap_match_worklist")
        mine = (
            self.env["integration.exception"]
            .with_user(self.site_manager)
            .search(
                safe_eval(action.domain) + [("owner_id", "=", self.site_manager.id)]
            )
        )
        self.assertEqual(mine, exc)

        # price: procurement; a large bill: the shorter SLA, high criticality
        big = self.make_po(qty=100, price=200)
        self.receive(big)
        bill = self.bill([(big.order_line, 100, 220)])
        by_code = {e.reason_code: e for e in self.open_exceptions(bill)}
        self.assertEqual(set(by_code), {"price_variance", "amount_variance"})
        self.assertEqual(by_code["price_variance"].owner_id, self.buyer)
        self.assertEqual(by_code["price_variance"].criticality, "high")
        hours = (
            by_code["price_variance"].deadline - fields.Datetime.now()
        ) / timedelta(hours=1)
        self.assertAlmostEqual(hours, 24, delta=1)

        # coding: project finance
        bill = self.bill([(False, 1, 10)])
        self.assertEqual(self.open_exceptions(bill).owner_id, self.finance)

    def test_exception_resolved_when_the_match_passes(self):
        order = self.make_po()
        bill = self.bill([(order.order_line, 10, 100)])
        exc = self.open_exceptions(bill)
        self.resolve(bill, self.clerk, "wait", note="Truck on Monday")
        self.assertEqual(exc.state, "in_progress")
        self.receive(order)
        self.assertEqual(exc.state, "resolved")
        self.assertEqual(bill.ap_match_state, "matched")
        # matching again does not raise the same exception twice
        bill.action_ap_rematch()
        self.assertEqual(len(bill.ap_exception_ids), 1)

    def test_accept_variance_by_manager(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 103)])
        self.company.ap_total_tolerance_percent = 1.0
        bill.action_ap_rematch()
        self.assertEqual(self.reasons(bill), ["amount_variance"])
        with self.assertRaisesRegex(UserError, "AP Manager"):
            self.resolve(bill, self.clerk, "accept", note="fine")
        self.resolve(bill, self.manager, "accept", note="Diesel surcharge agreed")
        line = bill.invoice_line_ids
        self.assertEqual(line.ap_match_state, "accepted")
        self.assertEqual(line.ap_accepted_by_id, self.manager)
        self.assertEqual(bill.ap_match_state, "matched")
        self.assertFalse(self.open_exceptions(bill))
        # a new figure voids the acceptance
        line.with_user(self.clerk).price_unit = 104
        self.assertFalse(line.ap_accepted_codes)
        self.assertEqual(bill.ap_match_state, "exception")

    def test_accept_refuses_reasons_that_are_not_variances(self):
        bill = self.bill([(False, 1, 10)])
        with self.assertRaisesRegex(UserError, "Only a price"):
            self.resolve(bill, self.manager, "accept", note="no PO needed")

    def test_request_credit_note(self):
        system, _key = make_system(
            self.env, "ap_credit_notes_test", self.env["integration.flow"]
        )
        self.env["integration.webhook.subscription"].create(
            {
                "name": "AP platform: credit notes to ask for",
                "system_id": system.id,
                "url": "http://127.0.0.1:9/hooks",
                "event_types": "vendor_bill.credit_note_requested",
            }
        )
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 120)])
        self.env["integration.mapping"]._link(system, bill, "AP-DOC-120")
        self.resolve(bill, self.clerk, "credit_note", note="Price was 100")
        # the AP platform, which speaks with the vendor, is asked to relay it
        event = self.env["integration.outbox"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", bill.id)]
        )
        self.assertEqual(event.event_type, "vendor_bill.credit_note_requested")
        data = json.loads(event.data)
        self.assertEqual(data["external_ids"], {system.code: "AP-DOC-120"})
        self.assertEqual(data["note"], "Price was 100")
        self.assertIn("price_variance", data["reasons"])
        self.assertEqual(
            (data["lines"][0]["unit_price"], data["lines"][0]["order_unit_price"]),
            (120, 100),
        )
        self.assertIn("Credit note requested", bill.message_ids[0].body)
        self.assertEqual(bill.activity_ids.user_id, self.buyer)
        self.assertEqual(
            set(self.open_exceptions(bill).mapped("state")), {"in_progress"}
        )
        self.assertTrue(bill.ap_on_hold)

    def test_relink_to_another_order_line(self):
        wrong = self.make_po(job=False)
        right = self.make_po()
        self.receive(right)
        bill = self.bill([(wrong.order_line, 10, 100)])
        self.assertEqual(self.reasons(bill), ["not_received"])
        self.resolve(
            bill,
            self.clerk,
            "relink",
            line_ids=[(6, 0, bill.invoice_line_ids.ids)],
            purchase_line_id=right.order_line.id,
        )
        self.assertEqual(bill.invoice_line_ids.purchase_line_id, right.order_line)
        self.assertEqual(bill.ap_match_state, "matched")
        # the line takes the job × cost code of its new order line
        self.assertEqual(bill.invoice_line_ids.analytic_distribution, self.distribution)
        other = self.make_po(vendor=self.other_vendor)
        with self.assertRaisesRegex(UserError, "not an order line of this vendor"):
            self.resolve(
                bill,
                self.clerk,
                "relink",
                line_ids=[(6, 0, bill.invoice_line_ids.ids)],
                purchase_line_id=other.order_line.id,
            )

    def test_bills_on_hold_mine(self):
        order = self.make_po()
        bill = self.bill([(order.order_line, 10, 100)])
        action = self.env.ref("ap_matching.action_ap_bills_on_hold")
        domain = safe_eval(action.domain) + [
            ("ap_on_hold", "=", True),
            ("ap_exception_ids.owner_id", "=", self.site_manager.id),
            ("ap_exception_ids.state", "in", ("open", "in_progress")),
        ]
        self.assertEqual(self.env["account.move"].search(domain), bill)

    def test_cancelled_bill_cancels_its_exceptions(self):
        bill = self.bill([(False, 1, 10)])
        exc = self.open_exceptions(bill)
        bill.button_cancel()
        self.assertEqual(exc.state, "cancelled")
