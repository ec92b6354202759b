"""Vendors, products, taxes, a confirmed purchase order with job × cost code and
the AP platform's system, for the vendor bill tests."""

import base64
import json
from pathlib import Path

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.construction_project_sync.tests.common import ensure_chart_of_accounts
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
