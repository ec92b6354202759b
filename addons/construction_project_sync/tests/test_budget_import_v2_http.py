from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import FlowHttpMixin, make_system

MANAGER = "base.group_user,integration_queue.group_integration_manager"


@tagged("post_install", "-at_install")
class TestBudgetImportV2OverHttp(FlowHttpMixin, HttpCase):
    """Version 2 of budget.import carries each line's budgeted labour hours, for
    earned value's productivity; version 1 stays as it was."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.system, cls.key = make_system(
            env,
            "estimates_v2",
            env.ref("construction_project_sync.flow_budget_import"),
            groups=["construction_project_sync.group_project_controller"],
        )
        cls.job = env["project.project"].create(
            {"name": "Test Culvert", "is_job": True, "job_number": "T-BV2-1"}
        )
        env["integration.mapping"]._link(cls.system, cls.job, "PRJ-BV2")
        cls.forms = env["construction.cost.code"].create(
            {"code": "T-BV2-03100", "name": "Formwork", "cost_type": "labor"}
        )
        cls.v2 = env.ref("construction_project_sync.flow_budget_import_v2")
        cls.manager = new_test_user(env, "budget_v2_manager", groups=MANAGER)

    def estimate(self, ref, **line):
        return {
            "external_id": ref,
            "job_external_id": "PRJ-BV2",
            "lines": [
                {
                    "cost_code": "T-BV2-03100",
                    "quantity": 400,
                    "unit_cost": 55,
                    "labor_hours": 600,
                    **line,
                }
            ],
        }

    def budget(self, ref):
        return self.env["integration.mapping"]._resolve(
            self.system, "construction.budget", ref
        )

    def test_v2_carries_labour_hours_and_v1_does_not(self):
        self.assertEqual((self.v2.number, self.v2.state), (2, "draft"))
        refused = self.post_flow("budget.import/v2", self.estimate("EST-V2"), "bv2-0")
        self.assertEqual(refused.status_code, 404, refused.text)
        self.v2.with_user(self.manager).action_activate()

        message = self.sync_flow("budget.import/v2", self.estimate("EST-V2"), "bv2-1")
        self.assertEqual(message.state, "done", message.error_message)
        line = self.budget("EST-V2").line_ids
        self.assertEqual((line.quantity, line.labor_hours), (400, 600))

        # version 1 as its callers send it: labour hours are no part of its contract
        message = self.sync_flow("budget.import", self.estimate("EST-V1"), "bv1-1")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertFalse(self.budget("EST-V1").line_ids.labor_hours)

        # v2's schema: hours are a number, never negative
        bad = self.post_flow(
            "budget.import/v2", self.estimate("EST-V2-BAD", labor_hours=-8), "bv2-2"
        )
        self.assertEqual(bad.status_code, 422, bad.text)
        self.assertEqual(bad.json()["code"], "schema_validation_failed")
