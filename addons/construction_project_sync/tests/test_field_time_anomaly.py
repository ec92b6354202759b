from datetime import date, timedelta

from odoo.tests import tagged

from odoo.addons.integration_queue.tests.common import ingest, make_system, perform_jobs

from .common import JobCase


@tagged("post_install", "-at_install")
class TestImplausibleFieldDay(JobCase):
    """A worker's day beyond what anyone works is an exception with its evidence,
    once; it blocks and approves nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.flow = env.ref("construction_project_sync.flow_timesheet_batch")
        cls.system, cls.key = make_system(
            env,
            "fieldapp_anomaly",
            cls.flow,
            groups=["construction_project_sync.group_project_manager"],
        )
        cls.worker = env["hr.employee"].create({"name": "Long Day", "hourly_cost": 40})
        mapping = env["integration.mapping"]
        mapping._link(cls.system, cls.job, "PRJ-AN")
        mapping._link(cls.system, cls.worker, "EMP-AN")
        # ten ordinary days before: 8, 8, 7.5, 8 ...
        env["construction.field.time"].create(
            [
                {
                    "job_id": cls.job.id,
                    "cost_code_id": cls.labor.id,
                    "employee_id": cls.worker.id,
                    "date": date(2026, 11, 20) - timedelta(days=offset),
                    "hours": 7.5 if offset % 3 == 0 else 8.0,
                }
                for offset in range(1, 11)
            ]
        )

    def send(self, key, *hours, resend=False):
        payload = {
            "batch_id": key,
            "lines": [
                {
                    "line_id": f"{key}-{index}",
                    "employee_external_id": "EMP-AN",
                    "job_external_id": "PRJ-AN",
                    "cost_code": self.labor.code,
                    "date": "2026-11-20",
                    "hours": value,
                }
                for index, value in enumerate(hours)
            ],
        }
        prefix = f"{key}-again" if resend else key
        ingest(self.env, self.system, self.flow, [payload], prefix=prefix)
        perform_jobs(self.env)

    def long_days(self):
        return self.env["integration.exception"].search(
            [("reason_code", "=", "anomaly_long_day")]
        )

    def test_a_day_beyond_the_limit_is_an_exception_with_its_evidence(self):
        self.send("B-1", 12, 9.5)
        [exception] = self.long_days()
        self.assertEqual(exception.name, "Long Day: 21.5 hours on 2026-11-20")
        self.assertIn(
            "More than 16 hours in a day is implausible", exception.description
        )
        self.assertIn("usual day is 8 hours (median of 10 days)", exception.description)
        self.assertEqual(exception.res_model, "construction.field.time")
        line = self.env["construction.field.time"].browse(exception.res_id)
        self.assertEqual(line.hours, 12)
        self.assertEqual(line.state, "submitted", "nothing approved or refused")
        self.assertEqual(
            (exception.scope_model, exception.scope_id),
            ("project.project", self.job.id),
        )
        # the same batch again, under another key: no second exception
        self.send("B-1", 12, 9.5, resend=True)
        self.assertEqual(len(self.long_days()), 1)

    def test_an_ordinary_day_or_no_limit_raises_nothing(self):
        self.send("B-2", 8, 2)
        self.assertFalse(self.long_days())
        self.env.company.field_time_max_day_hours = 0
        self.send("B-3", 10, 10)
        self.assertFalse(self.long_days())
