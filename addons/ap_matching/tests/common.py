from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.construction_project_sync.tests.common import (
    JobCase,
    ensure_chart_of_accounts,
)

CLERK_GROUPS = "base.group_user,ap_matching.group_ap_clerk,purchase.group_purchase_user"
MANAGER_GROUPS = (
    "base.group_user,ap_matching.group_ap_manager,purchase.group_purchase_user"
)
BILL_DATE = "2026-11-10"


class MatchCase(JobCase):
    """A job, a vendor, a stocked product billed on received quantities, an AP
    clerk who prepares bills and two AP managers; tolerances: price 5 %, total
    5 %, quantity none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ensure_chart_of_accounts(cls.env, cls.env.company)
        cls.company = cls.env.company
        cls.company.write(
            {
                "ap_price_tolerance_percent": 5.0,
                "ap_price_tolerance_amount": 0.0,
                "ap_qty_tolerance_percent": 0.0,
                "ap_qty_tolerance_qty": 0.0,
                "ap_total_tolerance_percent": 5.0,
                "ap_total_tolerance_amount": 0.0,
                "ap_sla_hours": 72,
                "ap_sla_large_amount": 10000.0,
                "ap_sla_large_hours": 24,
            }
        )
        company_vals = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
        }
        cls.clerk = new_test_user(
            cls.env, "ap_test_clerk", groups=CLERK_GROUPS, **company_vals
        )
        cls.manager = new_test_user(
            cls.env, "ap_test_manager", groups=MANAGER_GROUPS, **company_vals
        )
        cls.manager2 = new_test_user(
            cls.env, "ap_test_manager2", groups=MANAGER_GROUPS, **company_vals
        )
        cls.buyer = new_test_user(
            cls.env, "ap_test_buyer", groups=MANAGER_GROUPS, **company_vals
        )
        cls.finance = new_test_user(
            cls.env, "ap_test_finance", groups=MANAGER_GROUPS, **company_vals
        )
        cls.site_manager = new_test_user(
            cls.env,
            "ap_test_site",
            groups="base.group_user,ap_matching.group_ap_site_manager",
            **company_vals,
        )
        cls.company.write(
            {
                "ap_procurement_user_id": cls.buyer.id,
                "ap_finance_user_id": cls.finance.id,
            }
        )
        cls.job.ap_site_manager_id = cls.site_manager
        cls.vendor = cls.env["res.partner"].create(
            {"name": "Ready Mix Ltd", "is_company": True}
        )
        cls.other_vendor = cls.env["res.partner"].create(
            {"name": "Rebar Co", "is_company": True}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Concrete C30 (m3)",
                "type": "consu",
                "is_storable": True,
                "purchase_method": "receive",
                "supplier_taxes_id": [Command.clear()],
                "taxes_id": [Command.clear()],
            }
        )
        cls.distribution = cls.job._analytic_distribution(cls.concrete)

    @classmethod
    def make_po(cls, qty=10.0, price=100.0, vendor=None, company=None, job=True):
        company = company or cls.company
        order = (
            cls.env["purchase.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": (vendor or cls.vendor).id,
                    "company_id": company.id,
                    "job_id": cls.job.id if job else False,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "product_qty": qty,
                                "price_unit": price,
                                "taxes_id": [Command.clear()],
                                "analytic_distribution": (
                                    cls.distribution if job else False
                                ),
                            }
                        )
                    ],
                }
            )
        )
        order.button_confirm()
        return order

    @classmethod
    def receive(cls, order, qty=None):
        picking = order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty if qty is None else qty
            move.picked = True
        picking.with_context(cancel_backorder=False)._action_done()
        return picking

    def bill(self, lines, vendor=None, user=None, origin=False, date=BILL_DATE):
        """A draft vendor bill made by hand: ``lines`` are (order line or False,
        quantity, unit price)."""
        env = self.env(user=user or self.clerk)
        return (
            env["account.move"]
            .with_company(self.company)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": (vendor or self.vendor).id,
                    "invoice_date": date,
                    "invoice_origin": origin,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "name": "Concrete",
                                "quantity": qty,
                                "price_unit": price,
                                "tax_ids": [Command.clear()],
                                "purchase_line_id": order_line.id
                                if order_line
                                else False,
                            }
                        )
                        for order_line, qty, price in lines
                    ],
                }
            )
        )

    def bill_from_po(self, order, user=None):
        env = self.env(user=user or self.clerk)
        action = env["purchase.order"].browse(order.id).action_create_invoice()
        bill = env["account.move"].browse(action["res_id"])
        bill.invoice_date = BILL_DATE
        return bill

    def reasons(self, bill):
        return (bill.ap_reason_codes or "").split()
