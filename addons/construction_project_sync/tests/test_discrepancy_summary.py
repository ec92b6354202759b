from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import JobCase

SUPERVISOR = "base.group_user,construction_project_sync.group_project_manager"


@tagged("post_install", "-at_install")
class TestJobDiscrepancySummary(JobCase):
    """A job's discrepancies between the systems, in plain words: what the
    reconciliation found and the exceptions raised about the job's records, on the
    job, for a period, and in its project manager's digest."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["integration.exception"].search(
            [("state", "in", ("open", "in_progress"))]
        ).write({"state": "cancelled"})
        cls.manager = new_test_user(
            env,
            "summary_pm",
            groups=SUPERVISOR,
            email="pm@example.com",
            company_id=env.company.id,
            company_ids=[Command.set(env.company.ids)],
        )
        cls.job.user_id = cls.manager
        cls.other_job = env["project.project"].create(
            {"name": "Other Hall", "is_job": True, "job_number": "T-002"}
        )
        cls.check = env.ref(
            "construction_project_sync.reconciliation_check_field_time_posted"
        )

    def stuck_time(self, job, hours):
        """Approved field time whose posting failed (its employee left)."""
        leaver = self.env["hr.employee"].create({"name": f"Leaver {hours}"})
        line = self.env["construction.field.time"].create(
            {
                "job_id": job.id,
                "cost_code_id": self.labor.id,
                "employee_id": leaver.id,
                "date": date(2025, 3, 16),
                "hours": hours,
            }
        )
        leaver.active = False
        line.with_user(self.manager).action_approve()
        self.assertEqual(line.state, "approved")
        return line

    def test_worked_example(self):
        self.stuck_time(self.job, 5.0)
        self.stuck_time(self.job, 3.5)
        self.stuck_time(self.other_job, 8.0)
        run = self.check._run(self.env.company)
        self.assertEqual(run.state, "done", run.error)
        drift = run.drift_ids.filtered(lambda d: d.scope_id == self.job.id)
        self.assertEqual(len(drift), 2)
        self.assertEqual(set(drift.mapped("scope_model")), {"project.project"})
        task = self.env["project.task"].create(
            {"name": "Pour slab", "project_id": self.job.id}
        )
        exception = self.env["integration.exception"].create(
            {
                "name": "Work order WO-7 completed twice",
                "reason_code": "work_order_conflict",
                "res_model": "project.task",
                "res_id": task.id,
                "owner_id": self.manager.id,
            }
        )
        self.assertEqual(
            (exception.scope_model, exception.scope_id),
            ("project.project", self.job.id),
        )

        summary = self.job.with_user(self.manager).discrepancy_summary
        references = sorted(drift.mapped("reference"))
        self.assertEqual(
            summary,
            "• 2 approved field time line(s) (8.5 hours) are not yet posted: "
            f"{references[0]} and {references[1]}.\n"
            "• 1 open exception(s) “work_order_conflict”: Work order WO-7 "
            "completed twice.",
        )
        self.assertIn(
            "1 approved field time line(s) (8.0 hours)",
            self.other_job.discrepancy_summary,
        )
        self.assertNotIn("work_order_conflict", self.other_job.discrepancy_summary)

        # a period: what was raised in it
        wizard = (
            self.env["construction.job.summary"]
            .with_user(self.manager)
            .create(
                {
                    "job_id": self.job.id,
                    "date_from": "2000-01-01",
                    "date_to": "2000-01-31",
                }
            )
        )
        self.assertNotIn("work_order_conflict", wizard.summary)
        self.assertIn("8.5 hours", wizard.summary)

        # the project manager's digest tells it per job they manage
        mails = self.env["integration.summary"]._cron_send_digests()
        [mail] = mails.filtered(lambda m: self.manager.partner_id in m.recipient_ids)
        self.assertIn("Exceptions you own", mail.body_html)
        self.assertIn(f"Job {self.job.display_name}", mail.body_html)
        self.assertIn("8.5 hours", mail.body_html)
        self.assertNotIn("8.0 hours", mail.body_html)

    def test_only_someone_who_reads_the_job_reads_its_summary(self):
        elsewhere = self.env["res.company"].create({"name": "Summary Co 2"})
        foreign = (
            self.env["project.project"]
            .with_company(elsewhere)
            .create(
                {
                    "name": "Foreign",
                    "is_job": True,
                    "job_number": "F-1",
                    "company_id": elsewhere.id,
                }
            )
        )
        with self.assertRaises(AccessError):
            foreign.with_user(self.manager)._discrepancy_summary()
        # only what the job's own company raised is said on it, whatever
        # scope a record of another company was given
        self.env["integration.exception"].create(
            {
                "name": "Another company's problem",
                "reason_code": "elsewhere",
                "company_id": elsewhere.id,
                "scope_model": "project.project",
                "scope_id": self.job.id,
            }
        )
        self.assertEqual(
            self.job.with_user(self.manager).discrepancy_summary,
            "No open discrepancy.",
        )

    def test_the_job_form_offers_the_summary(self):
        action = self.job.action_summarise_discrepancies()
        self.assertEqual(action["res_model"], "construction.job.summary")
        self.assertEqual(action["context"]["default_job_id"], self.job.id)
