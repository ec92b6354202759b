# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)

from .subcontract_common import SubcontractMixin, setup_subcontract

FLOW = "subcontract_pay_app.submit"


@tagged("post_install", "-at_install")
class TestSubcontractPayAppFlow(SubcontractMixin, FlowHttpMixin, HttpCase):
    """A subcontractor portal submits pay applications over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.job = env["project.project"].create(
            {"name": "Test Garage", "is_job": True, "job_number": "T-SC-1"}
        )
        CostCode = env["construction.cost.code"]
        cls.concrete = CostCode.create(
            {"code": "T-SC-03300", "name": "Concrete", "cost_type": "material"}
        )
        cls.labor = CostCode.create(
            {"code": "T-SC-03310", "name": "Placing", "cost_type": "labor"}
        )
        setup_subcontract(cls)
        cls.system, cls.key = make_system(
            env,
            "sub_portal_test",
            env.ref("ap_matching.flow_subcontract_pay_app_submit"),
            groups=["ap_matching.group_ap_clerk"],
        )
        perform_jobs(env)

    def payload(self, ref="SUB-PA-1", **changes):
        return {
            "external_id": ref,
            "subcontract": self.order.name,
            "period_end": "2026-11-30",
            "application_date": "2026-11-30",
            "vendor_reference": "FP-APP-1",
            "lines": [
                {
                    "order_line_id": self.formwork.id,
                    "this_period": 15000,
                    "materials_stored": 5000,
                },
                {"order_line_id": self.placing.id, "this_period": 10000},
            ],
            **changes,
        }

    def test_submitted_once_and_certified_by_a_person(self):
        message = self.sync_flow(FLOW, self.payload(), "pa-1")
        self.assertEqual(message.state, "done", message.error_message)
        App = self.env["ap.subcontract.pay.app"]
        app = self.env["integration.mapping"]._resolve(
            self.system, App._name, "SUB-PA-1"
        )
        self.assertEqual(app.state, "submitted")
        self.assertEqual(app.current_payment_due, 27000)
        self.assertEqual(app.retention_this_period, 3000)
        self.assertEqual(app.submitted_by_id, self.system.user_id)
        count = App.search_count([])
        # the same key again: the hub answers from the first message
        again = self.post_flow(FLOW, self.payload(), "pa-1")
        self.assertIn(again.status_code, (200, 202))
        # a resend under a new key: nothing new, the message points at the first
        resent = self.sync_flow(FLOW, self.payload(), "pa-1-resent")
        self.assertEqual(resent.state, "done", resent.error_message)
        self.assertEqual(App.search_count([]), count)
        self.assertIn(
            app, self.env[App._name].browse(resent.lineage_ids.mapped("res_id"))
        )
        # the system prepared it: it never certifies it
        with self.assertRaises(UserError):
            app.with_user(self.system.user_id).action_certify()

    def test_a_rejected_application_is_revised_by_a_resend(self):
        self.env["integration.webhook.subscription"].create(
            {
                "name": "Portal: what became of the applications",
                "system_id": self.system.id,
                "url": "http://127.0.0.1:9/hooks",
                "event_types": "subcontract_pay_app.*",
            }
        )
        message = self.sync_flow(FLOW, self.payload("SUB-PA-R"), "pa-r-1")
        self.assertEqual(message.state, "done", message.error_message)
        app = self.env["integration.mapping"]._resolve(
            self.system, "ap.subcontract.pay.app", "SUB-PA-R"
        )
        self.waiver(app)
        app.with_user(self.pm).action_reject("Stored materials not on site")
        self.assertEqual(app.state, "rejected")
        # the portal sends the revision: same application, stored materials dropped,
        # one item left out (it claims nothing now)
        revised = self.payload(
            "SUB-PA-R",
            lines=[{"order_line_id": self.formwork.id, "this_period": 15000}],
        )
        message = self.sync_flow(FLOW, revised, "pa-r-2")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(app.state, "submitted")
        self.assertEqual(app.amount_this_period, 15000)
        self.assertFalse(sum(app.line_ids.mapped("materials_stored")))
        self.assertEqual(
            self.env["ap.subcontract.pay.app"].search_count(
                [("order_id", "=", self.order.id)]
            ),
            1,
        )
        # the system revised it: still a person certifies it
        with self.assertRaises(UserError):
            app.with_user(self.system.user_id).action_certify()
        self.certify(app)
        self.assertEqual(app.state, "certified")
        # the portal heard of both decisions, by its own id
        events = self.env["integration.outbox"].search(
            [("res_model", "=", app._name), ("res_id", "=", app.id)], order="id"
        )
        self.assertEqual(
            events.mapped("event_type"),
            ["subcontract_pay_app.rejected", "subcontract_pay_app.certified"],
        )
        rejected, certified = (json.loads(event.data) for event in events)
        self.assertEqual(rejected["external_ids"], {self.system.code: "SUB-PA-R"})
        self.assertEqual(rejected["rejection_reason"], "Stored materials not on site")
        self.assertEqual(
            (certified["state"], certified["current_payment_due"]), ("certified", 13500)
        )
        self.assertIsNone(certified["rejection_reason"])

    def test_bad_input_is_a_problem_not_a_record(self):
        count = self.env["ap.subcontract.pay.app"].search_count([])
        response = self.post_flow(FLOW, self.payload(lines=[]), "pa-bad-1")
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(
            response.headers["Content-Type"].split(";")[0], "application/problem+json"
        )
        self.assertEqual(response.json()["code"], "schema_validation_failed")
        response = self.post_flow(FLOW, self.payload(retention_percent=0), "pa-bad-2")
        self.assertEqual(response.status_code, 422, response.text)
        # an item of another subcontract: stored, failed with its code, nothing made
        message = self.sync_flow(
            FLOW,
            self.payload(
                "SUB-PA-2", lines=[{"order_line_id": 999999999, "this_period": 1}]
            ),
            "pa-bad-3",
        )
        self.assertEqual(message.error_code, "unknown_order_line")
        # over 100 % of an item: refused, nothing made
        message = self.sync_flow(
            FLOW,
            self.payload(
                "SUB-PA-3",
                lines=[{"order_line_id": self.formwork.id, "this_period": 70000}],
            ),
            "pa-bad-4",
        )
        self.assertNotEqual(message.state, "done")
        self.assertEqual(self.env["ap.subcontract.pay.app"].search_count([]), count)
