import base64
import json
from datetime import datetime, timedelta

from openapi_spec_validator import validate

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)

from .common import ensure_chart_of_accounts

PROJECT_USER = "base.group_user,project.group_project_user"
CLERK = "base.group_user,project.group_project_user,account.group_account_invoice"
SIGNATURE = base64.b64encode(b"\x89PNG\r\n\x1a\nfake signature").decode()


@tagged("post_install", "-at_install")
class TestWorkOrderBilling(FlowHttpMixin, HttpCase):
    """work_order.confirmation over the real API, and the invoice drafts a person
    makes of the confirmations: grouping, prices, controls, posting, events."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        ensure_chart_of_accounts(env, env.company)
        flows = (
            env.ref("construction_project_sync.flow_work_order_upsert")
            | env.ref("construction_project_sync.flow_work_order_status")
            | env.ref("construction_project_sync.flow_work_order_confirmation")
        )
        cls.system, cls.key = make_system(
            env,
            "billing_field",
            flows,
            groups=[
                "base.group_partner_manager",
                "construction_project_sync.group_project_manager",
            ],
        )
        cls.owner = env["res.partner"].create({"name": "Depot Owner"})
        cls.tenant = env["res.partner"].create({"name": "Depot Tenant"})
        cls.job = env["project.project"].create(
            {
                "name": "Depot",
                "is_job": True,
                "job_number": "BIL-001",
                "partner_id": cls.owner.id,
                "billing_tax_ids": [(5, 0, 0)],
            }
        )
        cls.sov_job = env["project.project"].create(
            {
                "name": "Library",
                "is_job": True,
                "job_number": "BIL-002",
                "partner_id": cls.owner.id,
            }
        )
        env["construction.sov.line"].create(
            {
                "job_id": cls.sov_job.id,
                "item": "1",
                "name": "All work",
                "scheduled_value": 1e5,
            }
        )
        labour = env.ref("construction_project_sync.product_work_order_labour")
        cls.labour = labour
        cls.pricelist = env["product.pricelist"].create(
            {
                "name": "Depot rates",
                "item_ids": [
                    (
                        0,
                        0,
                        {
                            "applied_on": "0_product_variant",
                            "product_id": labour.id,
                            "compute_price": "fixed",
                            "fixed_price": 90.0,
                        },
                    )
                ],
            }
        )
        cls.job.work_order_pricelist_id = cls.pricelist
        cls.tech = env["hr.employee"].create({"name": "Tech Bill"})
        mapping = env["integration.mapping"]
        mapping._link(cls.system, cls.job, "JOB-BIL")
        mapping._link(cls.system, cls.sov_job, "JOB-SOV")
        mapping._link(cls.system, cls.tenant, "CUST-T")
        cls.clerk = new_test_user(env, "wob_clerk", groups=CLERK)
        cls.planner = new_test_user(env, "wob_planner", groups=PROJECT_USER)

    # ------------------------------------------------------------------ helpers
    def work_order(self, ref, job="JOB-BIL", hours=0.0, completed_at=None, **values):
        """A billable work order sent by the field, completed, with ``hours``
        timesheeted on it in Odoo."""
        payload = {
            "external_id": ref,
            "job_external_id": job,
            "title": f"Work order {ref}",
            "billable": True,
            **values,
        }
        message = self.sync_flow("work_order.upsert", payload, f"u-{ref}")
        self.assertEqual(message.state, "done", message.error_message)
        task = self.task(ref)
        if hours:
            self.env["account.analytic.line"].create(
                {
                    "name": "Work",
                    "project_id": task.project_id.id,
                    "task_id": task.id,
                    "employee_id": self.tech.id,
                    "unit_amount": hours,
                }
            )
        if completed_at is not False:
            self.status(ref, "completed", completed_at or "2026-11-20T10:00:00Z")
        return task

    def status(self, ref, status, time):
        message = self.sync_flow(
            "work_order.status",
            {"work_order_external_id": ref, "status": status, "event_time": time},
            f"s-{ref}-{status}-{time}",
        )
        self.assertEqual(message.state, "done", message.error_message)

    def confirm(self, ref, key=None, signed_at="2026-11-20T10:30:00Z", **values):
        payload = {
            "work_order_external_id": ref,
            "signer_name": "Pat Customer",
            "signed_at": signed_at,
            "signature": {
                "filename": f"sig-{ref}.png",
                "mimetype": "image/png",
                "content_base64": SIGNATURE,
            },
            **values,
        }
        return self.sync_flow("work_order.confirmation", payload, key or f"c-{ref}")

    def task(self, ref):
        return self.env["integration.mapping"]._resolve(
            self.system, "project.task", ref
        )

    def bill(self, *tasks):
        confirmations = self.env["construction.work.order.confirmation"].search(
            [("task_id", "in", [task.id for task in tasks])]
        )
        confirmations.with_user(self.clerk).action_create_invoice_drafts()
        confirmations.invalidate_recordset()
        return confirmations

    def events(self, record, event_type):
        return self.env["integration.outbox"].search(
            [
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("event_type", "=", event_type),
            ]
        )

    # ------------------------------------------------------------------ tests
    def test_time_and_materials_over_http_to_one_invoice_draft(self):
        task = self.work_order("WO-1", hours=4.0)
        message = self.confirm("WO-1", note="All good")
        self.assertEqual(message.state, "done", message.error_message)
        confirmation = task.work_order_confirmation_ids
        self.assertEqual(confirmation.state, "to_invoice")
        self.assertEqual(confirmation.signer_name, "Pat Customer")
        self.assertEqual(str(confirmation.signed_at), "2026-11-20 10:30:00")
        self.assertEqual(confirmation.partner_id, self.owner)
        self.assertEqual(
            (confirmation.attachment_id.res_model, confirmation.attachment_id.res_id),
            ("project.task", task.id),
        )
        # the same message again is answered from the inbox; a new key for the
        # same work order updates the one confirmation
        replay = self.post_flow(
            "work_order.confirmation",
            json.loads(message.payload),
            "c-WO-1",
        )
        self.assertEqual(replay.status_code, 200, replay.text)
        self.assertEqual(replay.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(self.confirm("WO-1", key="c-WO-1-again").state, "done")
        self.assertEqual(len(task.work_order_confirmation_ids), 1)

        confirmation = self.bill(task)
        invoice = confirmation.invoice_id
        self.assertEqual(confirmation.state, "draft")
        self.assertEqual(
            (invoice.move_type, invoice.state, invoice.partner_id),
            ("out_invoice", "draft", self.owner),
        )
        self.assertEqual(str(invoice.work_order_billing_period), "2026-11-01")
        line = invoice.invoice_line_ids
        self.assertEqual(line.product_id, self.labour)
        self.assertEqual((line.quantity, line.price_unit), (4.0, 90.0))
        self.assertEqual(
            line.analytic_distribution, {str(self.job.account_id.id): 100.0}
        )
        self.assertEqual(confirmation.amount_untaxed, 360.0)
        self.assertIn(
            "sig-WO-1.png",
            self.env["ir.attachment"]
            .search([("res_model", "=", "account.move"), ("res_id", "=", invoice.id)])
            .mapped("name"),
        )
        # billed: a new confirmation for it changes nothing, and it is not billed
        # twice
        self.assertEqual(self.confirm("WO-1", key="c-WO-1-late").state, "done")
        self.assertEqual(len(task.work_order_confirmation_ids), 1)
        with self.assertRaisesRegex(UserError, "awaiting billing"):
            self.bill(task)
        self.assertEqual(len(invoice.invoice_line_ids), 1)
        # deleting the draft gives the confirmation back to billing
        invoice.unlink()
        confirmation.invalidate_recordset()
        self.assertEqual(confirmation.state, "to_invoice")

    def test_grouped_per_customer_and_period(self):
        first = self.work_order("WO-1", hours=2.0)
        second = self.work_order("WO-2", hours=3.0)
        december = self.work_order(
            "WO-3", hours=1.0, completed_at="2026-12-01T08:00:00Z"
        )
        tenant = self.work_order(
            "WO-4", hours=1.0, customer_contact_external_id="CUST-T"
        )
        self.confirm("WO-1")
        self.confirm("WO-2")
        self.confirm("WO-3", signed_at="2026-12-01T09:00:00Z")
        self.confirm("WO-4")
        confirmations = self.bill(first, second, december, tenant)
        by_task = {c.task_id: c.invoice_id for c in confirmations}
        self.assertEqual(by_task[first], by_task[second])
        self.assertEqual(len(by_task[first].invoice_line_ids), 2)
        self.assertNotEqual(by_task[december], by_task[first])
        self.assertEqual(str(by_task[december].work_order_billing_period), "2026-12-01")
        self.assertEqual(by_task[tenant].partner_id, self.tenant)
        self.assertEqual(len(set(by_task.values())), 3)
        # a confirmation billed later joins the customer's draft of its month
        later = self.work_order("WO-5", hours=1.0)
        self.confirm("WO-5", signed_at="2026-11-28T16:00:00Z")
        self.assertEqual(self.bill(later).invoice_id, by_task[first])
        self.assertEqual(len(by_task[first].invoice_line_ids), 3)

    def test_fixed_price_and_materials_hook(self):
        task = self.work_order("WO-F", hours=7.0)
        task.with_user(self.clerk).write({"work_order_billing_method": "fixed"})
        self.confirm("WO-F")
        with self.assertRaisesRegex(UserError, "no fixed price|none is set"):
            self.bill(task)
        task.with_user(self.clerk).work_order_fixed_price = 1450.0
        line = self.bill(task).invoice_id.invoice_line_ids
        self.assertEqual(
            line.product_id,
            self.env.ref("construction_project_sync.product_work_order_fixed_price"),
        )
        self.assertEqual((line.quantity, line.price_unit), (1.0, 1450.0))
        # time and materials with nothing to bill is refused in plain words
        empty = self.work_order("WO-E")
        self.confirm("WO-E")
        self.assertEqual(empty._work_order_billable_materials(), [])
        with self.assertRaisesRegex(UserError, "nothing to bill"):
            self.bill(empty)

    def test_refused_confirmations_are_kept_and_replayable(self):
        # not billable: dead at once, with a stable code and an exception
        task = self.work_order("WO-N", billable=False)
        message = self.confirm("WO-N")
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_code, "work_order_not_billable")
        self.assertIn("not billable", message.error_message)
        self.assertFalse(task.work_order_confirmation_ids)
        task.work_order_billable = True
        message.action_replay()
        perform_jobs(self.env)
        message.invalidate_recordset()
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(len(task.work_order_confirmation_ids), 1)
        # not completed yet: failed, retried; once completed, the replay bills
        started = self.work_order("WO-S", completed_at=False)
        self.status("WO-S", "started", "2026-11-20T08:00:00Z")
        message = self.confirm("WO-S")
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.error_code, "work_order_not_completed")
        self.assertIn("started, not completed", message.error_message)
        self.status("WO-S", "completed", "2026-11-20T10:00:00Z")
        message.action_replay()
        perform_jobs(self.env)
        message.invalidate_recordset()
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(started.work_order_confirmation_ids.state, "to_invoice")
        # a signature that is not base64 is refused as the schema says
        response = self.post_flow(
            "work_order.confirmation",
            {
                "work_order_external_id": "WO-S",
                "signer_name": "X",
                "signed_at": "not a time",
                "signature": {"content_base64": "abcd"},
            },
            "c-bad",
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(response.json()["code"], "schema_validation_failed")
        # the flow is published in the generated OpenAPI document, which stays valid
        spec = self.url_open("/api/construction/v1/openapi.json").json()
        validate(spec)
        self.assertIn("/flows/work_order.confirmation", spec["paths"])

    def test_schedule_of_values_job_bills_by_pay_application(self):
        task = self.work_order("WO-V", job="JOB-SOV", hours=3.0)
        message = self.confirm("WO-V")
        self.assertEqual(message.state, "done", message.error_message)
        confirmation = task.work_order_confirmation_ids
        self.assertEqual(confirmation.state, "pay_application")
        with self.assertRaisesRegex(UserError, "awaiting billing"):
            self.bill(task)
        self.assertFalse(
            self.env["account.move.line"].search(
                [("work_order_confirmation_id", "=", confirmation.id)]
            )
        )

    def test_posting_is_manual_checked_and_tells_the_field_once(self):
        subscriber = self.env["integration.webhook.subscription"].create(
            {
                "name": "Field billing events",
                "system_id": self.system.id,
                "url": "http://127.0.0.1:9/hooks",
                "event_types": "customer_invoice.*",
            }
        )
        task = self.work_order("WO-P", hours=2.0)
        self.confirm("WO-P")
        invoice = self.bill(task).invoice_id
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(self.events(invoice, "customer_invoice.posted"))
        freeze = self.env["integration.freeze"].create(
            {
                "name": "November close",
                "company_id": self.env.company.id,
                "date_from": "2026-11-01",
                "date_to": "2026-11-30",
            }
        )
        # Odoo's assertRaises rolls back to a savepoint, as the request would
        with self.assertRaises(UserError) as refused:
            invoice.action_post()
        self.assertIn("cannot be posted", str(refused.exception))
        invoice.invalidate_recordset()
        self.assertEqual(invoice.state, "draft")
        freeze.action_lift()
        invoice.action_post()
        confirmation = task.work_order_confirmation_ids
        confirmation.invalidate_recordset()
        self.assertEqual(confirmation.state, "invoiced")
        posted = self.events(invoice, "customer_invoice.posted")
        self.assertEqual(len(posted), 1)
        self.assertEqual(posted.subscription_id, subscriber)
        data = json.loads(posted.data)
        self.assertEqual(
            data["work_orders"][0]["external_ids"], {"billing_field": "WO-P"}
        )
        self.assertEqual(data["amount_untaxed"], 180.0)
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": invoice.invoice_date})
        )
        wizard._create_payments()
        paid = self.events(invoice, "customer_invoice.paid")
        self.assertEqual(len(paid), 1)
        self.assertIn(json.loads(paid.data)["payment_state"], ("paid", "in_payment"))
        self.assertEqual(len(self.events(invoice, "customer_invoice.posted")), 1)
        perform_jobs(self.env, model="integration.outbox")

    def test_controls_as_the_attack(self):
        task = self.work_order("WO-C", hours=1.0)
        self.confirm("WO-C")
        confirmation = task.work_order_confirmation_ids
        Confirmation = self.env["construction.work.order.confirmation"]
        manager = new_test_user(
            self.env,
            "wob_manager",
            groups="base.group_user,construction_project_sync.group_project_manager",
        )
        # nobody forges or edits a customer's signature, the administrator included
        with self.assertRaises(UserError):
            Confirmation.with_user(manager).create(
                {
                    "task_id": task.id,
                    "signer_name": "Forged",
                    "signed_at": datetime(2026, 11, 20),
                }
            )
        with self.assertRaises(UserError):
            confirmation.with_user(manager).write({"signer_name": "Forged"})
        with self.assertRaises(UserError):
            confirmation.write({"via_pay_application": True})
        with self.assertRaises(AccessError):
            confirmation.with_user(manager).unlink()
        # the contract's terms are not a planner's to change
        with self.assertRaises(AccessError):
            task.with_user(self.planner).write({"work_order_fixed_price": 1.0})
        # a billed line is not linked or unlinked by hand
        with self.assertRaises(UserError):
            self.env["account.move.line"].create(
                {
                    "move_id": self.env["account.move"]
                    .create({"move_type": "out_invoice", "partner_id": self.owner.id})
                    .id,
                    "name": "Fake",
                    "price_unit": 1.0,
                    "work_order_confirmation_id": confirmation.id,
                }
            )
        # a project user reads the work order page with its confirmation
        Task = self.env["project.task"].with_user(self.planner)
        form = Task.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("work_order_confirmation_ids", form)
        Task.browse(task.id).web_read(
            {
                "work_order_confirmation_ids": {
                    "fields": {"signer_name": {}, "state": {}, "attachment_id": {}}
                }
            }
        )
        # billing needs invoicing rights
        with self.assertRaisesRegex(UserError, "invoicing rights"):
            confirmation.with_user(self.planner).action_create_invoice_drafts()
        self.assertEqual(confirmation.state, "to_invoice")

    def test_other_companies_see_no_confirmation(self):
        task = self.work_order("WO-M", hours=1.0)
        self.confirm("WO-M")
        company_b = self.env["res.company"].create({"name": "Other Builder"})
        outsider = new_test_user(
            self.env,
            "wob_outsider",
            groups=CLERK,
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        Confirmation = self.env["construction.work.order.confirmation"]
        self.assertFalse(Confirmation.with_user(outsider).search([]))
        with self.assertRaises(AccessError):
            task.work_order_confirmation_ids.with_user(outsider).read(["signer_name"])

    def test_reconciliation_lists_completed_work_orders_not_invoiced(self):
        old = (datetime.now() - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        recent = (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        unsigned = self.work_order("WO-R1", hours=1.0, completed_at=old)
        signed = self.work_order("WO-R2", hours=1.0, completed_at=old)
        self.work_order("WO-R3", hours=1.0, completed_at=recent)
        self.work_order("WO-R4", job="JOB-SOV", hours=1.0, completed_at=old)
        self.confirm("WO-R2", signed_at=old)
        check = self.env.ref(
            "construction_project_sync.reconciliation_check_work_orders_not_invoiced"
        )
        Reconciliation = self.env["construction.work.order.billing.reconciliation"]

        def listed():
            return {
                row["res_id"]
                for row in Reconciliation._reconcile(check, self.env.company)
            }

        self.assertEqual(listed(), {unsigned.id, signed.id})
        self.bill(signed)
        self.assertEqual(listed(), {unsigned.id})
        self.env.company.work_order_billing_days = 30
        self.assertFalse(listed())
        check._run(self.env.company)
