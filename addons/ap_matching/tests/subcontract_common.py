"""A subcontract on a job, its subcontractor with an insurance certificate, and the
people around it: an AP clerk who prepares pay applications, the job's project
manager who certifies them, another project manager, an AP manager."""

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.construction_project_sync.tests.common import (
    JobCase,
    ensure_chart_of_accounts,
)

CLERK = "base.group_user,ap_matching.group_ap_clerk"
PM = "base.group_user,construction_project_sync.group_project_manager"
AP_MANAGER = "base.group_user,ap_matching.group_ap_manager"
APP_DATE = "2026-11-30"


def setup_subcontract(cls):
    """The world of the subcontract tests on ``cls``, which has a job and its cost
    codes (``job``, ``concrete``, ``labor``) already."""
    env = cls.env
    ensure_chart_of_accounts(env, env.company)
    cls.company = env.company
    company_vals = {
        "company_id": cls.company.id,
        "company_ids": [Command.set(cls.company.ids)],
    }
    cls.clerk = new_test_user(env, "sc_clerk", groups=CLERK, **company_vals)
    cls.pm = new_test_user(env, "sc_pm", groups=PM, **company_vals)
    cls.other_pm = new_test_user(env, "sc_pm_other", groups=PM, **company_vals)
    cls.ap_manager = new_test_user(
        env, "sc_ap_manager", groups=AP_MANAGER, **company_vals
    )
    cls.ap_manager2 = new_test_user(
        env, "sc_ap_manager2", groups=AP_MANAGER, **company_vals
    )
    cls.job.user_id = cls.pm
    cls.company.write(
        {
            "ap_subcontract_compliance_block": "both",
            "ap_subcontract_release_policy": "completion",
        }
    )
    cls.sub = env["res.partner"].create(
        {"name": "Formwork Partners LLC", "is_company": True}
    )
    cls.work = env["product.product"].create(
        {
            "name": "Subcontract work",
            "type": "service",
            "purchase_method": "purchase",
            "supplier_taxes_id": [Command.clear()],
            "taxes_id": [Command.clear()],
        }
    )
    cls.insurance = env["ap.subcontract.compliance"].create(
        {
            "name": "General liability 2026",
            "partner_id": cls.sub.id,
            "document_type": "insurance",
            "valid_from": "2026-01-01",
            # far ahead: payment checks the certificate on the day the tests run
            "expiry_date": "2036-12-31",
        }
    )
    cls.insurance.with_user(cls.ap_manager).action_verify()
    cls.order = cls.make_subcontract()
    cls.formwork, cls.placing = cls.order.order_line.sorted("sequence")


class SubcontractMixin:
    @classmethod
    def make_subcontract(cls, items=None, company=None, job=None, currency=None):
        job = job or cls.job
        items = items or [
            ("Formwork", 60000.0, cls.concrete),
            ("Placing", 40000.0, cls.labor),
        ]
        order = (
            cls.env["purchase.order"]
            .with_company(company or cls.company)
            .create(
                {
                    "partner_id": cls.sub.id,
                    "job_id": job.id,
                    **({"currency_id": currency.id} if currency else {}),
                    "is_subcontract": True,
                    "ap_retention_percent": 10.0,
                    "order_line": [
                        Command.create(
                            {
                                "name": name,
                                "product_id": cls.work.id,
                                "product_qty": value,
                                "price_unit": 1.0,
                                "taxes_id": [Command.clear()],
                                "analytic_distribution": job._analytic_distribution(
                                    code
                                ),
                            }
                        )
                        for name, value, code in items
                    ],
                }
            )
        )
        order.button_confirm()
        return order

    def pay_app(self, claims, period_end="2026-11-30", user=None, submit=True):
        """A pay application prepared by ``user`` (the clerk): ``claims`` maps an
        order line to (this period, stored materials)."""
        env = self.env(user=user or self.clerk)
        app = env["ap.subcontract.pay.app"].create(
            {
                "order_id": self.order.id,
                "period_end": period_end,
                "application_date": APP_DATE,
            }
        )
        for line in app.line_ids:
            this_period, stored = claims.get(line.order_line_id, (0.0, 0.0))
            line.write({"this_period": this_period, "materials_stored": stored})
        if submit:
            app.action_submit()
        return app

    def waiver(self, app, verify=True):
        waiver = self.env["ap.subcontract.compliance"].create(
            {
                "name": f"Conditional waiver {app.name}",
                "partner_id": self.sub.id,
                "document_type": "lien_waiver",
                "pay_app_id": app.id,
            }
        )
        if verify:
            waiver.with_user(self.ap_manager).action_verify()
        return waiver

    def restate_insurance(self, **vals):
        """Correct the verified certificate: reopened and changed by one AP
        manager, verified again by the other."""
        insurance = self.insurance
        insurance.with_user(self.ap_manager).action_reset_to_verify()
        if vals:
            insurance.with_user(self.ap_manager).write(vals)
            insurance.with_user(self.ap_manager2).action_verify()

    def certify(self, app, user=None):
        app.with_user(user or self.pm).action_certify()

    def bill(self, app, post=True):
        app.with_user(self.clerk).action_create_bill()
        bill = app.bill_id
        if post:
            bill.action_post()
        return bill


class SubcontractCase(SubcontractMixin, JobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_subcontract(cls)
