"""Vendors, products, taxes, a confirmed purchase order with job × cost code and
the AP platform's system, for the vendor bill tests."""

import base64
import json
from pathlib import Path

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.construction_project_sync.tests.common import (
    JobCase,
    ensure_chart_of_accounts,
)
from odoo.addons.integration_queue.tests.common import make_system, perform_jobs

API = "/api/construction/v1"
FIXTURES = Path(__file__).parent / "fixtures"
# what a vendor bill's service user needs: enter bills, read the orders
SYSTEM_GROUPS = ["ap_matching.group_ap_clerk"]
BILL_USER = "ap_matching.group_ap_clerk"
# a tiny valid PDF, as an AP platform sends the scanned original
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages"
    b"/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def fixture(name):
    return (FIXTURES / name).read_bytes()


def b64(content):
    return base64.b64encode(content).decode()


def purchase_tax(env, rate, company=None):
    company = company or env.company
    Tax = env["account.tax"]
    tax = Tax.search(
        [
            ("company_id", "=", company.id),
            ("type_tax_use", "=", "purchase"),
            ("amount_type", "=", "percent"),
            ("amount", "=", rate),
        ],
        limit=1,
    )
    return tax or Tax.create(
        {
            "name": f"{rate}% purchase",
            "amount": rate,
            "amount_type": "percent",
            "type_tax_use": "purchase",
            "company_id": company.id,
        }
    )


def setup_bills(cls):
    """The world of the bill tests, on ``cls``."""
    env = cls.env
    ensure_chart_of_accounts(env, env.company)
    cls.tax21 = purchase_tax(env, 21)
    cls.tax6 = purchase_tax(env, 6)
    eur = env.ref("base.EUR")
    eur.active = True
    env["res.currency.rate"].create(
        {"currency_id": eur.id, "name": "2026-01-01", "rate": 0.9}
    )
    Partner = env["res.partner"]
    cls.peeters = Partner.create(
        {
            "name": "Bouwmaterialen Peeters NV",
            "is_company": True,
            "country_id": env.ref("base.be").id,
            "vat": "BE0477472701",
        }
    )
    cls.jansen = Partner.create(
        {
            "name": "Jansen Crane Hire BV",
            "is_company": True,
            "country_id": env.ref("base.nl").id,
            "peppol_eas": "0088",
            "peppol_endpoint": "5790000435975",
        }
    )
    Product = env["product.product"]
    cls.rebar = Product.create(
        {"name": "Rebar 12 mm", "default_code": "REBAR-12", "type": "consu"}
    )
    cls.block = Product.create(
        {"name": "Concrete block 20 cm", "default_code": "BLOCK-20", "type": "consu"}
    )
    cls.job = env["project.project"].create(
        {"name": "Test Depot", "is_job": True, "job_number": "T-AP-1"}
    )
    cls.cost_code = env["construction.cost.code"].create(
        {"code": "T-AP-03200", "name": "Reinforcement", "cost_type": "material"}
    )
    cls.distribution = cls.job._analytic_distribution(cls.cost_code)
    cls.order = env["purchase.order"].create(
        {
            "name": "P-AP-0042",
            "partner_id": cls.peeters.id,
            "job_id": cls.job.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_qty": qty,
                        "price_unit": price,
                        "taxes_id": [Command.set(cls.tax21.ids)],
                        "analytic_distribution": cls.distribution,
                    }
                )
                for product, qty, price in (
                    (cls.rebar, 40, 25.0),
                    (cls.block, 200, 2.5),
                )
            ],
        }
    )
    cls.order.button_confirm()
    cls.rebar_line, cls.block_line = cls.order.order_line.sorted("sequence")
    flows = env.ref("ap_matching.flow_vendor_bill_json") | env.ref(
        "ap_matching.flow_vendor_bill_ubl"
    )
    cls.system, cls.key = make_system(
        env, "ap_platform_test", flows, groups=SYSTEM_GROUPS
    )
    cls.clerk = new_test_user(env, "ap_test_clerk", groups=BILL_USER)
    cls.manager = new_test_user(
        env, "ap_test_manager", groups=BILL_USER + ",ap_matching.group_ap_manager"
    )
    cls.other_manager = new_test_user(
        env, "ap_test_manager_2", groups=BILL_USER + ",ap_matching.group_ap_manager"
    )


class BillHttpMixin:
    """Post bills as the AP platform and run the jobs, over real HTTP."""

    def post(self, flow, body, key, content_type):
        return self.url_open(
            f"{API}/flows/{flow}",
            data=body,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": content_type,
                "Idempotency-Key": key,
            },
        )

    def send(self, flow, body, key, content_type, state="done"):
        response = self.post(flow, body, key, content_type)
        self.assertEqual(response.status_code, 202, response.text)
        perform_jobs(self.env)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        message.invalidate_recordset()
        self.assertEqual(message.state, state, message.error_message)
        return message

    def send_ubl(self, body, key, state="done"):
        return self.send("vendor_bill.ubl", body, key, "application/xml", state)

    def send_json(self, payload, key, state="done"):
        return self.send(
            "vendor_bill.json",
            json.dumps(payload).encode(),
            key,
            "application/json",
            state,
        )

    def bills_of(self, message, action=None):
        lineage = message.lineage_ids.filtered(
            lambda line: (
                line.res_model == "account.move"
                and (not action or line.action == action)
            )
        )
        return self.env["account.move"].browse(lineage.mapped("res_id"))


# ------------------------------------------------------------ three-way match
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
