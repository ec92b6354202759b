from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import JobCase


@tagged("post_install", "-at_install")
class TestBudgetsAndChangeOrders(JobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env["res.users"].create(
            {
                "name": "PM",
                "login": "pm_budget",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            cls.env.ref(
                                "construction_project_sync.group_project_controller"
                            ).id
                        ],
                    )
                ],
            }
        )

    def test_approved_budget_is_locked_and_revised_by_a_new_version(self):
        budget = self.budget([(self.concrete, 1000)])
        self.assertEqual(
            (budget.version, budget.kind, budget.state), (1, "original", "approved")
        )
        with self.assertRaises(UserError):
            budget.line_ids.write({"unit_cost": 2})
        with self.assertRaises(UserError):
            budget.write({"line_ids": [(0, 0, {"cost_code_id": self.labor.id})]})
        with self.assertRaises(UserError):
            budget.unlink()
        action = budget.action_new_revision()
        revision = self.env["construction.budget"].browse(action["res_id"])
        self.assertEqual(
            (revision.version, revision.kind, revision.state), (2, "revision", "draft")
        )
        self.assertEqual(revision.amount_total, 1000)
        revision.line_ids.unit_cost = 1100
        revision.with_user(self.approver).action_approve()
        self.assertEqual(budget.state, "superseded")
        self.assertEqual(self.job.current_budget_id, revision)

    def test_only_an_approver_approves(self):
        budget = self.budget([(self.concrete, 1000)], approve=False)
        with self.assertRaises(UserError):
            budget.with_user(self.manager).action_approve()
        co = self.change_order("CO-9", [(self.concrete, 10, 12)], state="pending")
        with self.assertRaises(UserError):
            co.with_user(self.manager).action_approve()
        self.assertEqual(co.state, "pending")

    def test_a_draft_change_order_never_moves_money(self):
        co = self.change_order("CO-7", [(self.concrete, 500, 600)], state="draft")
        with self.assertRaises(UserError):
            co.action_approve()  # must be submitted first
        self.assertEqual(self.job.revised_contract_value, 100000)
        self.assertNotIn((self.concrete, "material"), self.job_cost())

    def test_approval_moves_money_once_and_announces_it(self):
        subscription_system = self.env["integration.system"].create(
            {"name": "PM", "code": "pm_co_events"}
        )
        self.env["integration.webhook.subscription"].create(
            {
                "name": "CO events",
                "system_id": subscription_system.id,
                "url": "http://127.0.0.1:9/hooks",
                "event_types": "change_order.*",
            }
        )
        co = self.change_order("CO-5", [(self.concrete, 500, 650)], state="pending")
        co.with_user(self.approver).action_approve()
        self.assertEqual(co.approved_by_id, self.approver)
        self.assertTrue(co.approved_at)
        self.assertEqual(self.job.revised_contract_value, 100650)
        self.assertEqual(
            self.job_cost()[self.concrete, "material"].approved_changes, 500
        )
        event = self.env["integration.outbox"].search([("res_id", "=", co.id)])
        self.assertEqual(event.event_type, "change_order.approved")
        self.assertIn('"number": "CO-5"', event.data)
        with self.assertRaises(UserError):
            co.write({"line_ids": [(5, 0, 0)]})
        with self.assertRaises(UserError):
            co.action_reset_draft()
        with self.assertRaises(UserError):
            co.with_user(self.approver).action_approve()

    def test_internal_change_moves_budget_not_contract(self):
        self.change_order("CO-I1", [(self.labor, 200, 999)], kind="internal")
        self.assertEqual(self.job.revised_contract_value, 100000)
        self.assertEqual(self.job_cost()[self.labor, "labor"].revised_budget, 200)

    def test_cost_code_is_an_analytic_account_of_its_plan(self):
        plan = self.env.ref("construction_project_sync.analytic_plan_cost_codes")
        self.assertEqual(self.concrete.analytic_account_id.plan_id, plan)
        self.concrete.name = "Concrete works"
        self.assertEqual(
            self.concrete.analytic_account_id.name, "T-03300 Concrete works"
        )
        self.assertEqual(
            self.job._analytic_distribution(self.concrete),
            {f"{self.job.account_id.id},{self.concrete.analytic_account_id.id}": 100.0},
        )

    def test_demo_says_who_owns_what(self):
        """The demo configuration: the PM platform owns phases, Odoo a job's customer
        and financial fields."""
        pm = self.env.ref("integration_queue.demo_system_pm_platform")
        phase_rule = self.env.ref("construction_project_sync.demo_ownership_phase_pm")
        self.assertEqual(phase_rule.owner_system_id, pm)
        finance = self.env.ref("construction_project_sync.ownership_job_finance")
        self.assertFalse(finance.owner_system_id)
        self.assertIn("contract_value", finance.field_ids.mapped("name"))
        job = self.env.ref("construction_project_sync.demo_job_library")
        kept = self.env["integration.ownership"]._filter_write(
            pm, job, {"name": "Renamed", "contract_value": 1}
        )
        self.assertEqual(kept, {"name": "Renamed"})
