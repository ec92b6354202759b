from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import JobCase


@tagged("post_install", "-at_install")
class TestTimesheetLock(JobCase):
    """Posted field time is locked; timesheets keep out of closed periods."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.worker_user = new_test_user(
            cls.env,
            "ts_worker",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
        )
        cls.worker = cls.env["hr.employee"].create(
            {"name": "Worker", "hourly_cost": 40, "user_id": cls.worker_user.id}
        )

    def own_timesheet(self, date, hours=2):
        return (
            self.env["account.analytic.line"]
            .with_user(self.worker_user)
            .create(
                {
                    "name": "own hours",
                    "project_id": self.job.id,
                    "employee_id": self.worker.id,
                    "date": date,
                    "unit_amount": hours,
                }
            )
        )

    def test_posted_field_time_cannot_be_edited_or_deleted(self):
        supervisor = new_test_user(
            self.env,
            "ts_supervisor",
            groups="base.group_user,construction_project_sync.group_project_manager",
        )
        line = self.env["construction.field.time"].create(
            {
                "job_id": self.job.id,
                "cost_code_id": self.labor.id,
                "employee_id": self.worker.id,
                "date": "2026-11-02",
                "hours": 8,
            }
        )
        line.with_user(supervisor).action_approve()
        timesheet = line.sudo().timesheet_id
        self.assertEqual(timesheet.unit_amount, 8)
        # the employee's own timesheet by hr_timesheet's rules, but posted field time
        mine = timesheet.with_user(self.worker_user)
        with self.assertRaisesRegex(UserError, "approved and posted"):
            mine.write({"unit_amount": 12})
        with self.assertRaisesRegex(UserError, "approved and posted"):
            mine.unlink()
        # nor anyone else, superuser included
        with self.assertRaisesRegex(UserError, "approved and posted"):
            timesheet.sudo().write({"date": "2026-11-03"})
        self.assertEqual(timesheet.unit_amount, 8)
        # an ordinary timesheet stays the employee's to correct
        own = self.own_timesheet("2026-11-02")
        own.write({"unit_amount": 3})
        own.unlink()

    def test_timesheets_respect_freezes_and_lock_dates(self):
        freeze = self.env["integration.freeze"].create(
            {
                "name": "October close",
                "company_id": self.env.company.id,
                "date_from": "2026-10-01",
                "date_to": "2026-10-31",
            }
        )
        with self.assertRaisesRegex(UserError, "frozen period October close"):
            self.own_timesheet("2026-10-15")
        # nor moved into it, nor changed or deleted in it
        own = self.own_timesheet("2026-11-02")
        with self.assertRaisesRegex(UserError, "frozen period October close"):
            own.write({"date": "2026-10-20"})
        freeze.action_lift()
        october = self.own_timesheet("2026-10-15")
        freeze.action_reactivate()
        with self.assertRaisesRegex(UserError, "frozen period October close"):
            october.write({"unit_amount": 5})
        with self.assertRaisesRegex(UserError, "frozen period October close"):
            october.unlink()
        # Odoo's lock dates too
        self.env.company.fiscalyear_lock_date = "2020-12-31"
        with self.assertRaisesRegex(UserError, "lock date"):
            self.own_timesheet("2020-06-30")

    def test_field_time_in_a_frozen_period_is_approved_not_posted(self):
        """Approval posts through the same check: the line waits, with the reason,
        until the period opens (the approved-not-posted check posts it then)."""
        supervisor = new_test_user(
            self.env,
            "ts_supervisor_frozen",
            groups="base.group_user,construction_project_sync.group_project_manager",
        )
        self.env["integration.freeze"].create(
            {
                "name": "October close",
                "company_id": self.env.company.id,
                "date_from": "2026-10-01",
                "date_to": "2026-10-31",
            }
        )
        line = self.env["construction.field.time"].create(
            {
                "job_id": self.job.id,
                "cost_code_id": self.labor.id,
                "employee_id": self.worker.id,
                "date": "2026-10-15",
                "hours": 8,
            }
        )
        line.with_user(supervisor).action_approve()
        self.assertEqual(line.state, "approved")
        self.assertFalse(line.sudo().timesheet_id)
        self.assertIn("frozen period October close", line.message_ids[0].body)
