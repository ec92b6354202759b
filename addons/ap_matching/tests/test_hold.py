from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MatchCase


@tagged("post_install", "-at_install")
class TestHold(MatchCase):
    """A held bill is neither posted nor paid; only an AP manager who did not
    prepare it releases it, with the reason kept; nobody writes the hold."""

    def held_bill(self, user=None):
        order = self.make_po()
        self.receive(order)
        return self.bill([(order.order_line, 10, 120)], user=user)

    def resolve(self, bill, user, action, note=None, **extra):
        wizard = (
            self.env["ap.hold.resolution"]
            .with_user(user)
            .with_context(default_move_id=bill.id)
            .create({"action": action, "note": note, **extra})
        )
        return wizard.action_apply()

    def test_hold_blocks_posting_with_reasons(self):
        bill = self.held_bill()
        self.assertTrue(bill.ap_on_hold)
        with self.assertRaisesRegex(UserError, "on hold.*Price Variance"):
            bill.with_user(self.clerk).action_post()
        self.assertEqual(bill.state, "draft")

    def test_release_by_manager_with_reason(self):
        bill = self.held_bill()
        with self.assertRaisesRegex(UserError, "why"):
            self.resolve(bill, self.manager, "release", note=" ")
        self.resolve(bill, self.manager, "release", note="Agreed surcharge")
        self.assertEqual(bill.ap_match_state, "released")
        self.assertFalse(bill.ap_on_hold)
        self.assertEqual(bill.ap_released_by_id, self.manager)
        self.assertEqual(bill.ap_release_reason, "Agreed surcharge")
        self.assertEqual(bill.ap_released_codes, "price_variance amount_variance")
        self.assertIn("Agreed surcharge", bill.message_ids[0].body)
        self.assertEqual(set(bill.ap_exception_ids.mapped("state")), {"resolved"})
        # still released when matched again for the same reason
        bill.action_ap_rematch()
        self.assertEqual(bill.ap_match_state, "released")
        bill.with_user(self.clerk).action_post()
        self.assertEqual(bill.state, "posted")

    def test_new_reason_after_release_holds_again(self):
        bill = self.held_bill()
        self.resolve(bill, self.manager, "release", note="Agreed surcharge")
        self.vendor.with_user(self.manager).ap_vendor_on_hold = True
        self.assertEqual(bill.ap_match_state, "exception")
        self.assertEqual(
            self.reasons(bill), ["price_variance", "amount_variance", "vendor_on_hold"]
        )

    def test_preparer_cannot_release(self):
        bill = self.held_bill(user=self.manager)
        with self.assertRaisesRegex(UserError, "You prepared"):
            self.resolve(bill, self.manager, "release", note="Mine anyway")
        # a manager who edited a figure prepared it too
        bill.with_user(self.manager2).invoice_line_ids.quantity = 9
        with self.assertRaisesRegex(UserError, "You prepared"):
            self.resolve(bill, self.manager2, "release", note="Edited it")
        self.assertTrue(bill.ap_on_hold)

    def test_clerk_cannot_release(self):
        bill = self.held_bill(user=self.manager)
        with self.assertRaisesRegex(UserError, "AP Manager"):
            self.resolve(bill, self.clerk, "release", note="Let it go")
        self.assertTrue(bill.ap_on_hold)

    def test_hold_fields_refused_over_orm(self):
        bill = self.held_bill()
        as_clerk = bill.with_user(self.clerk)
        attacks = [
            {"ap_match_state": "matched"},
            {"ap_on_hold": False},
            {"ap_reason_codes": False},
            {"ap_released_by_id": self.manager.id},
            {"ap_released_codes": "price_variance"},
            {"ap_release_reason": "mine"},
            {"ap_released_at": fields.Datetime.now()},
            {"ap_preparer_ids": [Command.clear()]},
        ]
        for vals in attacks:
            with self.subTest(vals=vals), self.assertRaises(UserError):
                as_clerk.write(vals)
        line = as_clerk.invoice_line_ids
        for vals in (
            {"ap_match_state": "matched"},
            {"ap_accepted_codes": "price_variance"},
            {"ap_accepted_by_id": self.manager.id},
            {"ap_match_reason": False},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                line.write(vals)
        with self.assertRaises(UserError):
            self.env["account.move"].with_user(self.clerk).create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.vendor.id,
                    "ap_released_by_id": self.manager.id,
                }
            )
        self.assertTrue(bill.ap_on_hold)
        self.assertFalse(bill.ap_released_by_id)

    def test_private_transitions_check_the_caller(self):
        bill = self.held_bill(user=self.manager)
        with self.assertRaises(UserError):
            bill.with_user(self.clerk)._ap_release("sneaky")
        with self.assertRaises(UserError):
            bill.with_user(self.clerk)._ap_accept_variance(bill.invoice_line_ids, "x")

    def test_payment_refused_for_vendor_on_hold(self):
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 100)])
        bill.action_post()
        self.vendor.with_user(self.manager).ap_vendor_on_hold = True
        with self.assertRaisesRegex(UserError, "cannot be paid"):
            bill.action_register_payment()
        # the wizard, reached another way, refuses too
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({})
        )
        with self.assertRaisesRegex(UserError, "cannot be paid"):
            wizard.action_create_payments()
        self.vendor.with_user(self.manager).ap_vendor_on_hold = False
        bill.action_register_payment()
        wizard.action_create_payments()
        self.assertIn(bill.payment_state, ("paid", "in_payment"))

    def test_attack_a_second_vendor_record_is_on_hold_too(self):
        """The held vendor's bill entered under a second record of the same vendor
        (same tax id) is held, and not paid, all the same."""
        self.vendor.write({"vat": "BE0477472701"})
        self.vendor.with_user(self.manager).ap_vendor_on_hold = True
        twin = self.env["res.partner"].create(
            {"name": "Same vendor, new record", "vat": "BE 0477.472.701"}
        )
        bill = self.bill([(False, 1, 50)], vendor=twin)
        self.assertIn("vendor_on_hold", self.reasons(bill))
        with self.assertRaisesRegex(UserError, "cannot be posted|on hold"):
            bill.action_post()
        # lifting the hold on the vendor's record lifts it on the twin's bill
        self.vendor.with_user(self.manager).ap_vendor_on_hold = False
        self.assertNotIn("vendor_on_hold", self.reasons(bill))

    def test_attack_a_payment_made_apart_is_not_matched_to_a_held_bill(self):
        """The register wizard is not the only way to pay: a payment entered on
        its own and matched to the bill (the outstanding payments widget, a
        reconciliation by hand) pays a held bill just the same."""
        order = self.make_po()
        self.receive(order)
        bill = self.bill([(order.order_line, 10, 100)])
        bill.action_post()
        self.vendor.with_user(self.manager).ap_vendor_on_hold = True
        payment = self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "supplier",
                "partner_id": self.vendor.id,
                "amount": bill.amount_total,
            }
        )
        payment.action_post()
        payable = bill.line_ids.filtered(
            lambda line: line.account_id.account_type == "liability_payable"
        )
        paid = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payable.account_id
        )
        with self.assertRaisesRegex(UserError, "cannot be paid"):
            bill.js_assign_outstanding_line(paid.id)
        with self.assertRaisesRegex(UserError, "cannot be paid"):
            (payable + paid).reconcile()
        self.assertEqual(bill.payment_state, "not_paid")
        # released: the same payment now settles it
        self.vendor.with_user(self.manager).ap_vendor_on_hold = False
        bill.js_assign_outstanding_line(paid.id)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))

    def test_clerk_reads_but_cannot_write_exceptions_owner(self):
        bill = self.held_bill()
        exceptions = bill.with_user(self.clerk).ap_exception_ids
        self.assertTrue(exceptions)
        with self.assertRaises(AccessError):
            exceptions.unlink()

    def test_exceptions_stay_on_their_bill(self):
        bill = self.held_bill()
        other = self.bill([(False, 1, 10)])
        exc = bill.ap_exception_ids[:1]
        with self.assertRaises(UserError):
            exc.with_user(self.clerk).write({"ap_bill_id": other.id})
        with self.assertRaises(UserError):
            bill.with_user(self.clerk).write({"ap_exception_ids": [(3, exc.id)]})
        with self.assertRaises(UserError):
            self.env["integration.exception"].with_user(self.manager).create(
                {"name": "fake", "reason_code": "no_po", "ap_bill_id": other.id}
            )
        self.assertEqual(exc.ap_bill_id, bill)
