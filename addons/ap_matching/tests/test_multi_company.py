from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.construction_project_sync.tests.common import (
    ensure_chart_of_accounts,
)

from .common import CLERK_GROUPS, MANAGER_GROUPS, MatchCase


@tagged("post_install", "-at_install")
class TestMultiCompany(MatchCase):
    """One shared-services AP team, two companies: each company's bills match
    with its own tolerances, and a clerk of one company sees nothing of the
    other's exceptions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Hub Builders B"})
        ensure_chart_of_accounts(cls.env, cls.company_b)
        cls.company_b.write(
            {
                "ap_price_tolerance_percent": 10.0,
                "ap_total_tolerance_percent": 10.0,
                "ap_finance_user_id": cls.finance.id,
            }
        )
        cls.finance.company_ids = [Command.link(cls.company_b.id)]
        cls.clerk_b = new_test_user(
            cls.env,
            "ap_test_clerk_b",
            groups=CLERK_GROUPS,
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

    def test_tolerances_and_exceptions_per_company(self):
        order_a = self.make_po(qty=1, job=False)
        order_b = self.make_po(qty=1, company=self.company_b, job=False)
        self.receive(order_a)
        self.receive(order_b)
        bill_a = self.bill([(order_a.order_line, 1, 108)])
        bill_b = (
            self.env["account.move"]
            .with_company(self.company_b)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.vendor.id,
                    "invoice_date": "2026-11-10",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "quantity": 1,
                                "price_unit": 108,
                                "tax_ids": [Command.clear()],
                                "purchase_line_id": order_b.order_line.id,
                            }
                        )
                    ],
                }
            )
        )
        self.assertEqual(bill_b.company_id, self.company_b)
        self.assertEqual(bill_b.ap_match_state, "matched")  # B allows 10 %
        self.assertIn("price_variance", self.reasons(bill_a))  # A allows 5 %

        # B's exception is B's: A's clerk does not see it, B's clerk does
        no_po_b = (
            self.env["account.move"]
            .with_company(self.company_b)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.vendor.id,
                    "invoice_date": "2026-11-10",
                    "invoice_line_ids": [
                        Command.create({"name": "Fuel", "quantity": 1, "price_unit": 5})
                    ],
                }
            )
        )
        exc_b = no_po_b.ap_exception_ids
        self.assertEqual(exc_b.company_id, self.company_b)
        self.assertEqual(exc_b.owner_id, self.finance)
        Exceptions = self.env["integration.exception"]
        self.assertNotIn(
            exc_b,
            Exceptions.with_user(self.clerk).search([("ap_bill_id", "!=", False)]),
        )
        self.assertIn(
            exc_b,
            Exceptions.with_user(self.clerk_b).search([("ap_bill_id", "!=", False)]),
        )
        # an order line of the other company is never this bill's
        bill_a.invoice_line_ids.purchase_line_id = order_b.order_line
        self.assertIn("po_line_not_found", self.reasons(bill_a))

    def no_po_bill(self, company, number):
        return (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.vendor.id,
                    "ref": number,
                    "invoice_date": "2026-11-10",
                    "invoice_line_ids": [
                        Command.create({"name": "Fuel", "quantity": 1, "price_unit": 5})
                    ],
                }
            )
        )

    def test_shared_services_team_works_each_company_in_its_own_context(self):
        """One AP team for both companies: its clerk and manager belong to both and
        see, resolve and release a company's bills only while working in it."""
        both = [Command.set((self.company | self.company_b).ids)]
        clerk = new_test_user(
            self.env, "ap_shared_clerk", groups=CLERK_GROUPS, company_ids=both
        )
        manager = new_test_user(
            self.env, "ap_shared_manager", groups=MANAGER_GROUPS, company_ids=both
        )
        bill_a = self.no_po_bill(self.company, "SHARED-A")
        bill_b = self.no_po_bill(self.company_b, "SHARED-B")
        bills = bill_a | bill_b

        def acting_in(user, *companies):
            return self.env(
                user=user, context={"allowed_company_ids": [c.id for c in companies]}
            )

        in_a = acting_in(clerk, self.company)
        self.assertEqual(in_a["account.move"].search([("id", "in", bills.ids)]), bill_a)
        self.assertEqual(
            in_a["integration.exception"]
            .search([("ap_bill_id", "in", bills.ids)])
            .ap_bill_id,
            bill_a,
        )
        with self.assertRaises(AccessError):
            bill_b.with_env(in_a).read(["ap_reason_codes"])
        with self.assertRaises(AccessError):
            bill_b.with_env(in_a).write({"ref": "SHARED-B-2"})
        # with both companies open, both bills are on the clerk's worklist
        in_both = acting_in(clerk, self.company, self.company_b)
        self.assertEqual(
            in_both["account.move"].search([("id", "in", bills.ids)]), bills
        )
        # the manager releases B's hold working in B, never from A
        with self.assertRaises(AccessError):
            (
                self.env["ap.hold.resolution"]
                .with_env(acting_in(manager, self.company))
                .with_context(default_move_id=bill_b.id)
                .create({"action": "release", "note": "Fuel card, no PO"})
                .action_apply()
            )
        self.assertTrue(bill_b.ap_on_hold)
        (
            self.env["ap.hold.resolution"]
            .with_env(acting_in(manager, self.company_b))
            .with_context(default_move_id=bill_b.id)
            .create({"action": "release", "note": "Fuel card, no PO"})
            .action_apply()
        )
        self.assertFalse(bill_b.ap_on_hold)
        self.assertTrue(bill_a.ap_on_hold)
