import re

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.construction_project_sync.tests.common import ensure_chart_of_accounts

from ..lib.bill_identity import normalise_reference
from .common import BILL_USER, purchase_tax


@tagged("post_install", "-at_install")
class TestBillDuplicates(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ensure_chart_of_accounts(cls.env, cls.env.company)
        cls.env.company.ap_duplicate_window_days = 7
        cls.vendor = cls.env["res.partner"].create(
            {"name": "Beton Mix GmbH", "is_company": True}
        )
        cls.other_vendor = cls.env["res.partner"].create(
            {"name": "Kies AG", "is_company": True}
        )
        cls.clerk = new_test_user(cls.env, "dup_clerk", groups=BILL_USER)
        cls.manager = new_test_user(
            cls.env, "dup_manager", groups=BILL_USER + ",ap_matching.group_ap_manager"
        )
        cls.tax = purchase_tax(cls.env, 21)
        # the bills are for concrete ordered and received: they pass the match, so
        # only the duplicate barrier stands between them and posting
        concrete = cls.env["product.product"].create(
            {"name": "Test Dup Concrete", "is_storable": True}
        )
        orders = cls.env["purchase.order"].create(
            [
                {
                    "partner_id": vendor.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": concrete.id,
                                "product_qty": 1000,
                                "price_unit": 5000,
                                "taxes_id": [Command.clear()],
                            }
                        )
                    ],
                }
                for vendor in (cls.vendor, cls.other_vendor)
            ]
        )
        orders.button_confirm()
        for move in orders.picking_ids.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        orders.picking_ids._action_done()
        cls.order_line = {order.partner_id: order.order_line for order in orders}

    def bill(self, ref, amount=100.0, date="2026-11-10", vendor=None, user=None):
        return (
            self.env["account.move"]
            .with_user(user or self.clerk)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": (vendor or self.vendor).id,
                    "ref": ref,
                    "invoice_date": date,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Concrete",
                                "purchase_line_id": self.order_line[
                                    vendor or self.vendor
                                ].id,
                                "product_id": self.order_line[
                                    vendor or self.vendor
                                ].product_id.id,
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def test_normalised_reference(self):
        for typed in ("INV-000123", "inv 123", "Inv/123", " INV.0123 "):
            self.assertEqual(normalise_reference(typed), "INV123", typed)
        self.assertNotEqual(normalise_reference("INV-1230"), "INV123")
        self.assertIsNone(normalise_reference(" - "))

    def test_same_vendor_same_reference_blocks_posting(self):
        first = self.bill("INV-000123", 100.0)
        second = self.bill("inv 123", 250.0, "2026-06-01")
        other_vendor = self.bill("INV-123", vendor=self.other_vendor)
        found = (first | second | other_vendor)._ap_find_duplicates()
        self.assertEqual(found, {second: first})
        self.assertEqual(second.ap_duplicate_ids, first)
        self.assertEqual(second.ap_duplicate_count, 1)
        self.assertFalse(first.ap_duplicate_ids, "the earlier bill is not blocked")
        with self.assertRaisesRegex(UserError, re.escape(first.display_name)):
            second.action_post()
        first.action_post()
        self.assertEqual(first.state, "posted")
        # a cancelled earlier bill duplicates nothing
        first.button_draft()
        first.button_cancel()
        second.action_post()
        self.assertEqual(second.state, "posted")

    def test_same_vendor_amount_and_date_within_the_window(self):
        first = self.bill("A-1", 1234.5, "2026-11-10")
        near = self.bill("B-2", 1234.5, "2026-11-16")
        far = self.bill("C-3", 1234.5, "2026-11-22")
        other_amount = self.bill("D-4", 1234.0, "2026-11-10")
        found = (first | near | far | other_amount)._ap_find_duplicates()
        self.assertEqual(found, {near: first, far: near})
        with self.assertRaises(UserError):
            near.action_post()
        self.env.company.ap_duplicate_window_days = 20
        self.assertEqual(far._ap_find_duplicates(), {far: first | near})

    def test_same_document_hash(self):
        first = self.bill("X-1", 10.0, vendor=self.other_vendor)
        second = self.bill("Y-2", 20.0)
        attachment = self.env["ir.attachment"].create({"name": "a.pdf", "raw": b"%PDF"})
        message = self.env["integration.message"]
        first._ap_set_origin(message, attachment, "ab" * 32)
        second._ap_set_origin(message, attachment, "ab" * 32)
        self.assertEqual(second._ap_find_duplicates(), {second: first})
        with self.assertRaises(UserError):
            second.action_post()

    def test_release_is_an_ap_managers_transition(self):
        first = self.bill("INV-9")
        second = self.bill("INV-09")
        # a clerk may not release, neither by the button nor by the transition
        with self.assertRaises(AccessError):
            second.with_user(self.clerk).action_ap_release_duplicates()
        with self.assertRaises(AccessError):
            second.with_user(self.clerk)._ap_release_duplicates("trust me")
        with self.assertRaises(AccessError):
            self.env["ap.duplicate.release"].with_user(self.clerk).create(
                {"move_id": second.id, "reason": "trust me"}
            )
        # nobody writes the release (or the document's identity) directly
        for user in (self.clerk, self.manager):
            for vals in (
                {"ap_duplicate_release_ids": [Command.link(first.id)]},
                {"ap_duplicate_release_reason": "x"},
                {"ap_document_hash": "f" * 64},
                {"ap_message_id": False},
            ):
                with self.assertRaises(UserError):
                    second.with_user(user).write(vals)
        with self.assertRaises(UserError):
            self.env["account.move"].with_user(self.clerk).create(
                {"move_type": "in_invoice", "ap_document_hash": "f" * 64}
            )
        with self.assertRaises(UserError):
            self.env["account.move"].with_user(self.clerk).with_context(
                default_ap_duplicate_release_ids=[Command.set(first.ids)]
            ).create({"move_type": "in_invoice", "ref": "INV-9"})
        # the manager who entered a bill does not release it, nor one who changed it
        own = self.bill("INV-0009", user=self.manager)
        with self.assertRaisesRegex(UserError, "prepared"):
            own.with_user(self.manager).action_ap_release_duplicates()
        edited = self.bill("INV-00009")
        edited.with_user(self.manager).invoice_line_ids[0].write({"quantity": 2})
        with self.assertRaisesRegex(UserError, "prepared"):
            edited.with_user(self.manager)._ap_release_duplicates("mine")
        # another manager does, with a reason kept in the chatter
        action = second.with_user(self.manager).action_ap_release_duplicates()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(**action["context"])
            .create({"reason": "Two deliveries, the vendor reused the number"})
        )
        self.assertEqual(wizard.duplicate_ids, first)
        wizard.action_release()
        self.assertEqual(second.ap_duplicate_release_ids, first)
        self.assertFalse(second.ap_duplicate_ids)
        self.assertIn("the vendor reused the number", second.message_ids[0].body)
        second.action_post()
        self.assertEqual(second.state, "posted")

    def test_releasing_the_hold_releases_the_duplicate_barrier_once(self):
        """One decision: an AP manager who releases a bill held as a possible
        duplicate lets it post; the earlier bill is recorded as released against."""
        first = self.bill("INV-77")
        second = self.bill("INV 77")
        self.assertIn("duplicate", (second.ap_reason_codes or "").split())
        wizard = (
            self.env["ap.hold.resolution"]
            .with_user(self.manager)
            .with_context(default_move_id=second.id)
            .create({"action": "release", "note": "Two deliveries, one number"})
        )
        wizard.action_apply()
        self.assertEqual(second.ap_duplicate_release_ids, first)
        second.action_post()
        self.assertEqual(second.state, "posted")

    def test_other_company_bills_are_not_duplicates(self):
        company_b = self.env["res.company"].create({"name": "AP Test Company B"})
        ensure_chart_of_accounts(self.env, company_b)
        first = self.bill("INV-55")
        self.env.user.company_ids |= company_b
        other = (
            self.env["account.move"]
            .with_company(company_b)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.vendor.id,
                    "ref": "INV-55",
                    "invoice_date": "2026-11-10",
                    "invoice_line_ids": [
                        Command.create({"name": "Concrete", "price_unit": 100.0})
                    ],
                }
            )
        )
        self.assertEqual(other.company_id, company_b)
        self.assertFalse((first | other)._ap_find_duplicates())
        # and a clerk of the first company does not see the second's release wizard
        wizard = self.env["ap.duplicate.release"].create(
            {"move_id": other.id, "reason": "x"}
        )
        self.assertFalse(
            self.env["ap.duplicate.release"]
            .with_user(self.manager)
            .search([("id", "=", wizard.id)])
        )
