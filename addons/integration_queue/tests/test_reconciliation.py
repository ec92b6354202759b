from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import ingest, make_system, perform_jobs


@tagged("post_install", "-at_install")
class TestReconciliation(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = cls.env.ref("integration_queue.flow_echo")
        cls.system, _key = make_system(cls.env, "recon", cls.echo)
        cls.check = cls.env.ref("integration_queue.reconciliation_check_inbox")

    def test_orphan_message_is_found_and_fixed(self):
        ingest(self.env, self.system, self.echo, [{}, {}])
        messages = self.env["integration.message"].search(
            [("system_id", "=", self.system.id)]
        )
        # the job behind the messages vanished (cancelled by hand, say)
        self.env["queue.job"].search(
            [("uuid", "in", messages.mapped("job_uuid"))]
        ).write({"state": "cancelled"})
        wizard = self.env["integration.reconciliation.wizard"].create(
            {"check_ids": [(6, 0, self.check.ids)]}
        )
        action = wizard.action_run()
        drift = self.env["integration.reconciliation.drift"].search(action["domain"])
        self.assertEqual(len(drift), 2)
        self.assertTrue(all(drift.mapped("fixable")))
        self.assertEqual(drift.mapped("difference"), [-1.0, -1.0])
        drift.action_fix()
        self.assertEqual(set(drift.mapped("state")), {"fixed"})
        perform_jobs(self.env)
        self.assertEqual(set(messages.mapped("state")), {"done"})
        # a second run finds nothing
        runs = self.check._run(self.env.company)
        self.assertEqual(runs.drift_count, 0)

    def test_cron_runs_every_check_for_every_company(self):
        runs = self.env["integration.reconciliation.check"]._cron_run_all()
        self.assertTrue(runs)
        self.assertEqual(set(runs.mapped("state")), {"done"})
        self.assertEqual(set(runs.mapped("trigger")), {"cron"})


@tagged("post_install", "-at_install")
class TestExceptionEscalation(TransactionCase):
    def test_overdue_exception_escalates_once(self):
        manager = self.env.ref("base.user_admin")
        group = self.env.ref("integration_queue.group_integration_manager")
        flow = self.env.ref("integration_queue.flow_echo")
        flow.owner_group_id = group
        exception = self.env["integration.exception"]._raise(
            "unknown_cost_code", "Cost code 01-100 is unknown", flow=flow
        )
        self.assertEqual(exception.owner_id, flow.owner_group_id.users[:1])
        self.assertFalse(exception.overdue)
        exception.deadline = fields.Datetime.now() - timedelta(hours=1)
        self.assertIn(
            exception,
            self.env["integration.exception"].search([("overdue", "=", True)]),
        )
        self.assertEqual(self.env["integration.exception"]._cron_escalate(), 1)
        self.assertTrue(exception.escalated)
        self.assertEqual(self.env["integration.exception"]._cron_escalate(), 0)
        with self.assertRaises(UserError):
            exception.action_resolve()
        exception.resolution_note = "Cost code created in the PM platform"
        exception.action_resolve()
        self.assertEqual(exception.state, "resolved")
        self.assertEqual(exception.resolved_by_id, self.env.user)
        self.assertTrue(manager)
