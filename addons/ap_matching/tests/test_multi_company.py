from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.construction_project_sync.tests.common import (
    ensure_chart_of_accounts,
)

from .common import CLERK_GROUPS, MatchCase


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
