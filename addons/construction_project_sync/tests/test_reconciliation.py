import json

from odoo.tests import tagged

from odoo.addons.integration_queue.tests.common import make_system, perform_jobs

from .common import JobCase


@tagged("post_install", "-at_install")
class TestJobReconciliation(JobCase):
    def run_check(self, xmlid):
        check = self.env.ref(f"construction_project_sync.{xmlid}")
        run = check._run(self.env.company)
        return run.drift_ids.filtered(
            lambda d: d.res_id in (self.job.id,) or d.res_model == "integration.message"
        )

    def test_stale_totals_are_found_and_recomputed(self):
        budget = self.budget([(self.concrete, 1000)])
        self.change_order("CO-R1", [(self.concrete, 250, 300)])
        self.assertFalse(self.run_check("reconciliation_check_budget_lines"))
        # a stored total goes stale (an SQL edit, a failed migration ...)
        self.env.cr.execute(
            "UPDATE construction_budget SET amount_total = 900 WHERE id = %s",
            [budget.id],
        )
        self.env.invalidate_all()
        drift = self.run_check("reconciliation_check_budget_lines")
        self.assertEqual(len(drift), 1)
        self.assertEqual((drift.expected, drift.actual), (1250, 1150))
        drift.action_fix()
        self.assertEqual(budget.amount_total, 1000)
        self.assertFalse(self.run_check("reconciliation_check_budget_lines"))

    def test_overrun_opens_one_exception_per_cost_code(self):
        self.job.user_id = self.env.ref("base.user_admin")
        self.budget([(self.concrete, 1000), (self.labor, 500)])
        self.actual(self.concrete, 1200)
        drift = self.run_check("reconciliation_check_overrun")
        self.assertEqual(len(drift), 1)
        self.assertEqual(
            (drift.expected, drift.actual, drift.fixable), (1000, 1200, False)
        )
        alert = self.env["integration.exception"].search(
            [("reason_code", "=", "cost_overrun"), ("res_id", "=", self.job.id)]
        )
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.owner_id, self.env.ref("base.user_admin"))
        self.assertIn("T-03300", alert.name)
        # the nightly run does not repeat an alert still open
        self.run_check("reconciliation_check_overrun")
        self.assertEqual(
            self.env["integration.exception"].search_count(
                [("reason_code", "=", "cost_overrun"), ("res_id", "=", self.job.id)]
            ),
            1,
        )

    def test_the_pm_platforms_newer_estimate_against_the_approved_budget(self):
        """The issue's own sentence: the platform re-estimated the job 12,400
        higher and nobody approved it in Odoo yet."""
        self.job.user_id = self.approver
        self.budget([(self.concrete, 80000), (self.labor, 20000)])
        system, _key = make_system(
            self.env,
            "pm_estimates",
            self.env.ref("construction_project_sync.flow_budget_import"),
        )
        check = "reconciliation_check_platform_budget"
        # a version entered in Odoo is no platform's estimate
        own = self.budget([(self.concrete, 1)], approve=False)
        self.assertFalse(self.run_check(check))
        own.unlink()
        estimate = self.budget(
            [(self.concrete, 90000), (self.labor, 22400)], approve=False
        )
        self.env["integration.mapping"]._link(system, estimate, "EST-2")
        drift = self.run_check(check)
        self.assertEqual(len(drift), 1)
        self.assertEqual((drift.expected, drift.actual), (112400, 100000))
        self.assertIn("12,400.00 higher than the approved budget v1", drift.message)
        self.assertIn(drift.message, self.job._discrepancy_summary())
        drift.action_fix()
        self.assertEqual(estimate.activity_ids.user_id, self.approver)
        # approved: the job measures against it, nothing to report
        estimate.with_user(self.env.ref("base.user_admin")).action_approve()
        self.assertFalse(self.run_check(check))

    def test_pm_job_missing_in_odoo_is_found_and_replayed(self):
        flow = self.env.ref("construction_project_sync.flow_job_upsert")
        system, _key = make_system(
            self.env,
            "pm_recon",
            flow,
            groups=["construction_project_sync.group_project_controller"],
        )
        payload = {"external_id": "PRJ-GONE", "job_number": "J-GONE", "name": "Gone"}
        self.env["integration.message"].with_user(system.user_id)._ingest(
            system,
            flow,
            [{"idempotency_key": "g1", "payload": payload, "raw": json.dumps(payload)}],
        )
        perform_jobs(self.env)
        job = self.env["integration.mapping"]._resolve(
            system, "project.project", "PRJ-GONE"
        )
        self.assertTrue(job)
        check = self.env.ref(
            "construction_project_sync.reconciliation_check_missing_jobs"
        )
        self.assertFalse(check._run(self.env.company).drift_ids)
        job.unlink()  # someone deleted the job in Odoo
        drift = check._run(self.env.company).drift_ids
        self.assertEqual(len(drift), 1)
        self.assertIn("J-GONE", drift.message)
        drift.action_fix()
        perform_jobs(self.env)
        recreated = self.env["integration.mapping"]._resolve(
            system, "project.project", "PRJ-GONE"
        )
        self.assertEqual(recreated.job_number, "J-GONE")
        self.assertFalse(check._run(self.env.company).drift_ids)
