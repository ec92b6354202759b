"""The approval mechanism, tested as the attacks it must stop: an RPC caller
writes any field it may write and passes any context key it likes."""

import xmlrpc.client
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import APPROVER_GROUPS, JobCase

MANAGER_GROUPS = "base.group_user,construction_project_sync.group_project_manager"
CONTROLLER_GROUPS = "base.group_user,construction_project_sync.group_project_controller"
# every context key the code ever trusted, and a few more
ATTACK_CONTEXT = {
    "field_time_transition": True,
    "pay_application_refresh": True,
    "skip_validation_check": True,
    "skip_check_state_condition": True,
}


@tagged("post_install", "-at_install")
class TestApprovalAttacks(JobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.pm = new_test_user(env, "appr_pm", groups=MANAGER_GROUPS)
        cls.controller = new_test_user(env, "appr_controller", groups=CONTROLLER_GROUPS)
        cls.approver2 = new_test_user(env, "appr_second", groups=APPROVER_GROUPS)
        cls.service = new_test_user(
            env,
            "appr_service",
            groups=APPROVER_GROUPS + ",integration_queue.group_integration_service",
        )
        cls.integration_user = new_test_user(
            env,
            "appr_integration",
            groups="base.group_user,integration_queue.group_integration_user",
        )
        cls.worker = env["hr.employee"].create({"name": "Crew One", "hourly_cost": 50})

    # ------------------------------------------------------------------ helpers
    def co(self, price=1000.0, user=None, number="CO-A1"):
        """A change order prepared (created and submitted) by ``user``."""
        co = (
            self.env["construction.change.order"]
            .with_user(user or self.pm)
            .create(
                {
                    "job_id": self.job.id,
                    "number": number,
                    "name": "Attack",
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "cost_code_id": self.concrete.id,
                                "cost_amount": price * 0.8,
                                "price_amount": price,
                            },
                        )
                    ],
                }
            )
        )
        co.action_submit()
        return co.with_env(self.env)

    def field_time(self, day=16, user=None):
        return (
            self.env["construction.field.time"]
            .with_user(user or self.controller)
            .create(
                {
                    "job_id": self.job.id,
                    "cost_code_id": self.labor.id,
                    "employee_id": self.worker.id,
                    "date": date(2025, 3, day),
                    "hours": 8,
                }
            )
            .with_env(self.env)
        )

    def second_approval_rule(self):
        # the only rules: the default one and this (the demo's is set aside)
        default = self.env.ref("construction_project_sync.approval_rule_change_order")
        self.env["construction.approval.rule"].search(
            [("res_model", "=", "construction.change.order"), ("id", "!=", default.id)]
        ).active = False
        return self.env["construction.approval.rule"].create(
            {
                "name": "Second approval from 50,000",
                "res_model": "construction.change.order",
                "sequence": 20,
                "min_amount": 50000,
                "group_id": self.env.ref(
                    "construction_project_sync.group_project_approver"
                ).id,
            }
        )

    def assert_refused(self, records, vals, exception=UserError):
        with self.assertRaises(exception), self.cr.savepoint():
            records.write(vals)

    # ------------------------------------------------------------------ writes
    def test_state_and_approver_are_not_writable(self):
        budget = self.budget([(self.concrete, 1000)], approve=False)
        co = self.co()
        line = self.field_time()
        for record in (budget, co, line):
            for user in (self.pm, self.approver):
                as_user = record.with_user(user).with_context(**ATTACK_CONTEXT)
                self.assert_refused(as_user, {"state": "approved"})
                self.assert_refused(as_user, {"approved_by_id": user.id})
                self.assert_refused(as_user, {"approved_at": "2026-01-01 00:00:00"})
                self.assert_refused(as_user, {"approval_preparer_ids": [(5, 0, 0)]})
            # not even the superuser's write: only the transitions set them
            self.assert_refused(record.sudo(), {"state": "approved"})

        self.assertEqual(budget.state, "draft")
        self.assertEqual(co.state, "pending")
        self.assertEqual(line.state, "submitted")
        self.assertFalse(
            budget.approved_by_id | co.approved_by_id | line.approved_by_id
        )

    def test_what_the_orm_derives_is_not_writable(self):
        """Job cost reads the lines' state and job; the rules read the totals."""
        budget = self.budget([(self.concrete, 1000)], approve=False)
        co = self.co()
        self.assert_refused(co.line_ids.with_user(self.pm), {"state": "approved"})
        other_job = self.env["project.project"].create(
            {"name": "Elsewhere", "is_job": True, "job_number": "T-ELSE"}
        )
        self.assert_refused(
            budget.line_ids.with_user(self.pm), {"job_id": other_job.id}
        )
        self.assert_refused(co.with_user(self.pm), {"price_total": 1.0})
        self.assert_refused(budget.with_user(self.pm), {"amount_total": 1.0})
        self.assertEqual(co.line_ids.state, "pending")
        self.assertEqual(self.job_cost()[self.concrete, "material"].approved_changes, 0)

    def test_pay_application_state_approver_and_invoice_are_not_writable(self):
        self.job.partner_id = self.customer
        self.env["construction.sov.line"].create(
            {"job_id": self.job.id, "item": "1", "name": "All", "scheduled_value": 1e5}
        )
        app = (
            self.env["construction.pay.application"]
            .with_user(self.controller)
            .create({"job_id": self.job.id, "period_end": "2026-01-31"})
        )
        invoice = self.env["account.move"].create({"move_type": "out_invoice"})
        attacker = app.with_context(**ATTACK_CONTEXT)
        for vals in (
            {"state": "approved"},
            {"state": "invoiced"},
            {"approved_by_id": self.controller.id},
            {"invoice_id": invoice.id},
        ):
            self.assert_refused(attacker, vals)
        app.with_user(self.controller).action_submit()
        self.assertEqual(app.submitted_by_id, self.controller)
        # the preparer cannot approve their own application
        with self.assertRaises(UserError):
            app.with_user(self.controller).action_approve()
        app.with_user(self.approver).action_approve()
        self.assertEqual(app.state, "approved")
        # approved: its lines are locked, whatever the context says
        self.assert_refused(
            app.line_ids.with_context(**ATTACK_CONTEXT), {"this_period": 5}
        )
        self.assert_refused(attacker, {"period_end": "2026-02-28"})
        self.assert_refused(attacker, {"invoice_id": invoice.id})

    def test_field_time_context_key_unlocks_nothing(self):
        line = self.field_time()
        supervisor = line.with_user(self.pm).with_context(field_time_transition=True)
        self.assert_refused(supervisor, {"state": "approved"})
        self.assert_refused(supervisor, {"state": "posted"})
        self.assert_refused(supervisor, {"rejection_reason": "no"})
        line.with_user(self.pm).action_approve()
        self.assertEqual(line.state, "posted")
        self.assert_refused(supervisor, {"hours": 12})
        self.assert_refused(supervisor, {"state": "submitted"})
        with self.assertRaises(UserError), self.cr.savepoint():
            supervisor.unlink()

    def test_nothing_is_created_already_approved(self):
        attacks = [
            (
                "construction.budget",
                {"job_id": self.job.id, "state": "approved"},
            ),
            (
                "construction.change.order",
                {
                    "job_id": self.job.id,
                    "number": "CO-X",
                    "name": "Born approved",
                    "state": "approved",
                },
            ),
            (
                "construction.change.order",
                {
                    "job_id": self.job.id,
                    "number": "CO-Y",
                    "name": "Born with an approver",
                    "approved_by_id": self.approver.id,
                },
            ),
            (
                "construction.field.time",
                {
                    "job_id": self.job.id,
                    "cost_code_id": self.labor.id,
                    "employee_id": self.worker.id,
                    "hours": 8,
                    "state": "approved",
                },
            ),
            (
                "construction.pay.application",
                {
                    "job_id": self.job.id,
                    "period_end": "2026-01-31",
                    "state": "approved",
                },
            ),
            (
                "construction.pay.application",
                {
                    "job_id": self.job.id,
                    "period_end": "2026-01-31",
                    "invoice_id": self.env["account.move"]
                    .create({"move_type": "out_invoice"})
                    .id,
                },
            ),
        ]
        for model, vals in attacks:
            with self.assertRaises(UserError), self.cr.savepoint():
                self.env[model].with_user(self.controller).with_context(
                    **ATTACK_CONTEXT
                ).create(vals)
        # the initial state itself is fine
        budget = self.env["construction.budget"].create(
            {"job_id": self.job.id, "state": "draft"}
        )
        self.assertEqual(budget.state, "draft")

    def test_approved_change_order_lines_are_read_only(self):
        co = self.co()
        co.with_user(self.approver).action_approve()
        self.assertEqual(co.state, "approved")
        lines = co.line_ids.with_user(self.controller).with_context(**ATTACK_CONTEXT)
        self.assert_refused(lines, {"cost_amount": 1e6})
        with self.assertRaises(UserError), self.cr.savepoint():
            lines.unlink()
        with self.assertRaises(UserError), self.cr.savepoint():
            lines.create(
                {
                    "change_order_id": co.id,
                    "cost_code_id": self.labor.id,
                    "cost_amount": 1e6,
                }
            )
        # moving a line of a draft change order onto the approved one is adding one
        draft = self.env["construction.change.order"].create(
            {
                "job_id": self.job.id,
                "number": "CO-D",
                "name": "Draft",
                "line_ids": [(0, 0, {"cost_code_id": self.labor.id})],
            }
        )
        self.assert_refused(
            draft.line_ids.with_user(self.controller), {"change_order_id": co.id}
        )
        with self.assertRaises(UserError), self.cr.savepoint():
            co.with_user(self.controller).unlink()
        self.assertEqual(co.line_ids.cost_amount, 800)

    # ------------------------------------------------------------------ who approves
    def test_preparer_never_approves_their_own_document(self):
        # an approver who prepares a change order
        co = self.co(user=self.approver)
        with self.assertRaises(UserError):
            co.with_user(self.approver).action_approve()
        # nor one who only changed its figures while it was a draft
        budget = self.budget([(self.concrete, 1000)], approve=False)
        budget.line_ids.with_user(self.approver).unit_cost = 1200
        with self.assertRaises(UserError):
            budget.with_user(self.approver).action_approve()
        budget.with_user(self.approver2).action_approve()
        self.assertEqual(budget.approved_by_id, self.approver2)
        # nobody approves their own time, nor time they entered
        line = self.field_time(user=self.approver)
        with self.assertRaises(UserError):
            line.with_user(self.approver).action_approve()
        self.worker.user_id = self.pm
        with self.assertRaises(UserError):
            self.field_time(day=17).with_user(self.pm).action_approve()

    def test_approver_needs_the_group_and_is_never_a_system(self):
        co = self.co(user=self.controller)
        # a system's service user, even one given the approver group
        with self.assertRaises(UserError), self.cr.savepoint():
            co.with_user(self.service).action_approve()
        with self.assertRaises(UserError), self.cr.savepoint():
            self.field_time().with_user(self.service).action_approve()
        for user in (self.pm, self.controller):
            with self.assertRaises(UserError), self.cr.savepoint():
                co.with_user(user).with_context(**ATTACK_CONTEXT).action_approve()
        with self.assertRaises(AccessError), self.cr.savepoint():
            co.with_user(self.integration_user).action_approve()
        self.assertEqual(co.state, "pending")
        self.assertFalse(co.approval_entry_ids)

    def test_rejecting_is_an_approvers_decision(self):
        co = self.co(user=self.controller)
        with self.assertRaises(UserError), self.cr.savepoint():
            co.with_user(self.pm).action_reject("Too expensive")
        with self.assertRaises(UserError), self.cr.savepoint():
            co.with_user(self.controller).action_reject("Withdrawn")
        with self.assertRaises(UserError), self.cr.savepoint():
            co.with_user(self.approver).action_reject("  ")
        action = co.with_user(self.approver).action_open_reject_wizard()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.approver)
            .with_context(**action["context"])
            .create({"reason": "Too expensive"})
        )
        wizard.action_reject()
        self.assertEqual((co.state, co.rejection_reason), ("rejected", "Too expensive"))
        self.assertIn("Too expensive", " ".join(co.message_ids.mapped("body")))
        # the wizard rejects approvable documents only, with the caller's rights
        wizard = (
            self.env["construction.approval.reject"]
            .with_user(self.pm)
            .create({"res_model": "res.partner", "res_ids": [1], "reason": "x"})
        )
        with self.assertRaises(UserError), self.cr.savepoint():
            wizard.action_reject()

    # ------------------------------------------------------------------ rules
    def test_large_change_order_needs_two_different_approvers(self):
        self.second_approval_rule()
        co = self.co(price=60000)
        self.assertIn("Second approval", co.approval_todo)
        co.with_user(self.approver).action_approve()
        self.assertEqual(co.state, "pending", "one approval of two")
        self.assertEqual(self.job.revised_contract_value, 100000)
        self.assertEqual(co.approval_entry_ids.user_id, self.approver)
        self.assertIn("Second approval", co.approval_todo)
        with self.assertRaises(UserError):
            co.with_user(self.approver).action_approve()
        co.with_user(self.approver2).action_approve()
        self.assertEqual(co.state, "approved")
        self.assertEqual(co.approved_by_id, self.approver2)
        self.assertEqual(len(co.approval_entry_ids), 2)
        self.assertEqual(co.approval_entry_ids.rule_id.mapped("sequence"), [20, 10])
        self.assertEqual(self.job.revised_contract_value, 160000)
        self.assertFalse(co.approval_todo)
        # a small one still needs one approval only
        small = self.co(price=40000, number="CO-A2")
        small.with_user(self.approver).action_approve()
        self.assertEqual(small.state, "approved")

    def test_rule_by_job_and_company(self):
        other_job = self.env["project.project"].create(
            {"name": "Other", "is_job": True, "job_number": "T-OTHER"}
        )
        rule = self.second_approval_rule()
        rule.write({"min_amount": 0, "job_id": other_job.id})
        co = self.co(price=100)
        co.with_user(self.approver).action_approve()
        self.assertEqual(co.state, "approved", "the rule is another job's")
        rule.write(
            {
                "job_id": False,
                "company_id": self.env["res.company"].create({"name": "Elsewhere"}).id,
            }
        )
        co2 = self.co(price=100, number="CO-A2")
        co2.with_user(self.approver).action_approve()
        self.assertEqual(co2.state, "approved", "the rule is another company's")

    def test_figure_change_sends_back_to_draft_and_voids_approvals(self):
        self.second_approval_rule()
        co = self.co(price=60000)
        co.with_user(self.approver).action_approve()
        co.line_ids.with_user(self.pm).price_amount = 61000
        self.assertEqual(co.state, "draft")
        self.assertIn(self.pm, co.approval_preparer_ids)
        co.with_user(self.pm).action_submit()
        # the first approval was for other figures: two are needed again
        co.with_user(self.approver2).action_approve()
        self.assertEqual(co.state, "pending")
        co.with_user(self.approver).action_approve()
        self.assertEqual(co.state, "approved")
        self.assertEqual(len(co.approval_entry_ids), 3)

    def test_entries_and_rules_cannot_be_written_by_approvers(self):
        co = self.co()
        co.with_user(self.approver).action_approve()
        entry = co.approval_entry_ids
        self.assertEqual(entry.with_user(self.pm).user_id, self.approver)
        with self.assertRaises(AccessError):
            entry.with_user(self.approver).write({"user_id": self.pm.id})
        with self.assertRaises(AccessError):
            entry.with_user(self.approver).unlink()
        with self.assertRaises(AccessError):
            self.env["construction.approval.entry"].with_user(self.approver).create(
                {
                    "res_model": co._name,
                    "res_id": co.id,
                    "user_id": self.approver2.id,
                }
            )
        Rule = self.env["construction.approval.rule"].with_user(self.approver)
        with self.assertRaises(AccessError):
            Rule.create(
                {
                    "name": "Mine",
                    "res_model": co._name,
                    "group_id": self.env.ref("base.group_user").id,
                }
            )
        with self.assertRaises(AccessError):
            self.env.ref(
                "construction_project_sync.approval_rule_change_order"
            ).with_user(self.approver).active = False

    def test_rules_and_entries_follow_their_company(self):
        company_b = self.env["res.company"].create({"name": "Builder B"})
        rule_b = self.env["construction.approval.rule"].create(
            {
                "name": "B only",
                "res_model": "construction.change.order",
                "company_id": company_b.id,
                "group_id": self.env.ref("base.group_user").id,
            }
        )
        co = self.co()
        co.with_user(self.approver).action_approve()
        entry = co.approval_entry_ids
        self.assertEqual(entry.company_id, self.env.company)
        self.assertEqual(
            co.approval_entry_ids.rule_id,
            self.env.ref("construction_project_sync.approval_rule_change_order"),
        )
        user_b = new_test_user(
            self.env,
            "appr_user_b",
            groups=MANAGER_GROUPS,
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        Rule = self.env["construction.approval.rule"].with_user(user_b)
        self.assertIn(rule_b, Rule.search([]))
        self.assertNotIn(rule_b, Rule.with_user(self.pm).search([]))
        Entry = self.env["construction.approval.entry"]
        self.assertNotIn(entry, Entry.with_user(user_b).search([]))
        self.assertIn(entry, Entry.with_user(self.pm).search([]))

    # ------------------------------------------------------------------ posting
    def test_posting_into_a_frozen_period_is_refused_with_the_reason(self):
        self.env["integration.freeze"].create(
            {
                "name": "March close",
                "company_id": self.env.company.id,
                "date_from": "2025-03-01",
                "date_to": "2025-03-31",
            }
        )
        line = self.field_time()
        result = line.with_user(self.pm).action_approve()
        self.assertEqual(line.state, "approved")
        self.assertIn("March close", result["params"]["message"])
        with self.assertRaisesRegex(UserError, "March close"):
            line.with_user(self.pm).action_post()
        self.assertFalse(line.sudo().timesheet_id)

    def test_reconciliation_fix_never_posts_for_a_plain_integration_user(self):
        # posting fails while the employee is archived: the line stays approved
        line = self.field_time()
        self.worker.active = False
        line.with_user(self.pm).action_approve()
        self.worker.active = True
        check = self.env.ref(
            "construction_project_sync.reconciliation_check_field_time_posted"
        )
        drift = check._run(self.env.company).drift_ids
        self.assertEqual(drift.mapped("res_id"), line.ids)
        with self.assertRaises(AccessError), self.cr.savepoint():
            drift.with_user(self.integration_user).action_fix()
        self.assertEqual(line.state, "approved")
        self.assertFalse(line.sudo().timesheet_id)


@tagged("post_install", "-at_install")
class TestApprovalOverXmlRpc(HttpCase):
    """The same attacks through Odoo's own XML-RPC, as a project manager's client
    would send them."""

    def test_rpc_cannot_approve_or_reach_the_transitions(self):
        pm = new_test_user(
            self.env, "appr_rpc_pm", password="appr-rpc-pm-1", groups=MANAGER_GROUPS
        )
        job = self.env["project.project"].create(
            {"name": "RPC Hall", "is_job": True, "job_number": "RPC-1"}
        )
        code = self.env["construction.cost.code"].create(
            {"code": "RPC-03300", "name": "Concrete", "cost_type": "material"}
        )

        def call(model, method, *args, **kwargs):
            return self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                pm.id,
                "appr-rpc-pm-1",
                model,
                method,
                list(args),
                kwargs,
            )

        co_id = call(
            "construction.change.order",
            "create",
            {
                "job_id": job.id,
                "number": "CO-RPC",
                "name": "By RPC",
                "line_ids": [(0, 0, {"cost_code_id": code.id, "price_amount": 9})],
            },
        )
        attacks = [
            ("write", [co_id], {"state": "approved"}),
            ("write", [co_id], {"approved_by_id": pm.id}),
            ("_approval_write", [co_id], {"state": "approved"}),
            ("_approval_approve", [co_id]),
            ("_approval_unlock", [co_id]),
        ]
        for method, *args in attacks:
            with (
                self.subTest(method=method),
                mute_logger("odoo.http"),
                self.assertRaises(xmlrpc.client.Fault),
            ):
                call("construction.change.order", method, *args)
        call("construction.change.order", "action_submit", [co_id])
        with mute_logger("odoo.http"), self.assertRaises(xmlrpc.client.Fault):
            call(
                "construction.change.order",
                "action_approve",
                [co_id],
                context={"field_time_transition": True, "skip_validation_check": 1},
            )
        co = self.env["construction.change.order"].browse(co_id)
        self.assertEqual(co.state, "pending")
        self.assertFalse(co.approved_by_id)
