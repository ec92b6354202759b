import base64

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import FlowHttpMixin, make_system

from .common import ensure_chart_of_accounts


@tagged("post_install", "-at_install")
class TestWorkOrderBillingTour(FlowHttpMixin, HttpCase):
    def test_completed_work_order_to_invoice_draft_tour(self):
        env = self.env
        ensure_chart_of_accounts(env, env.company)
        flows = (
            env.ref("construction_project_sync.flow_work_order_upsert")
            | env.ref("construction_project_sync.flow_work_order_status")
            | env.ref("construction_project_sync.flow_work_order_confirmation")
        )
        self.system, self.key = make_system(
            env,
            "billing_tour",
            flows,
            groups=["construction_project_sync.group_project_manager"],
        )
        customer = env["res.partner"].create({"name": "Tour Customer"})
        job = env["project.project"].create(
            {
                "name": "Tour Depot",
                "is_job": True,
                "job_number": "TOUR-WO",
                "partner_id": customer.id,
            }
        )
        env["integration.mapping"]._link(self.system, job, "TOUR-JOB")
        self.sync_flow(
            "work_order.upsert",
            {
                "external_id": "TOUR-WO-1",
                "job_external_id": "TOUR-JOB",
                "title": "Tour panel swap",
                "billable": True,
            },
            "t-u",
        )
        task = env["integration.mapping"]._resolve(
            self.system, "project.task", "TOUR-WO-1"
        )
        env["account.analytic.line"].create(
            {
                "name": "Swap",
                "project_id": job.id,
                "task_id": task.id,
                "employee_id": env["hr.employee"].create({"name": "Tour Tech"}).id,
                "unit_amount": 3.0,
            }
        )
        self.sync_flow(
            "work_order.status",
            {
                "work_order_external_id": "TOUR-WO-1",
                "status": "completed",
                "event_time": "2026-11-20T10:00:00Z",
            },
            "t-s",
        )
        message = self.sync_flow(
            "work_order.confirmation",
            {
                "work_order_external_id": "TOUR-WO-1",
                "signer_name": "Tour Signer",
                "signed_at": "2026-11-20T10:05:00Z",
                "signature": {"content_base64": base64.b64encode(b"sig").decode()},
            },
            "t-c",
        )
        self.assertEqual(message.state, "done", message.error_message)
        self.start_tour("/odoo", "construction_work_order_billing", login="admin")
        confirmation = task.work_order_confirmation_ids
        self.assertEqual(confirmation.state, "draft")
        self.assertEqual(confirmation.invoice_id.state, "draft")
        self.assertEqual(confirmation.invoice_id.partner_id, customer)
