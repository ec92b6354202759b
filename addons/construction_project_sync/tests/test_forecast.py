from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import APPROVER_GROUPS, JobCase


@tagged("post_install", "-at_install")
class TestForecast(JobCase):
    """A project manager forecasts the cost to complete; another person approves;
    job cost projects actual + committed + forecast to complete."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pm = new_test_user(
            cls.env,
            "forecast_pm",
            groups="base.group_user,construction_project_sync.group_project_manager",
        )
        cls.pm_approver = new_test_user(
            cls.env, "forecast_pm_approver", groups=APPROVER_GROUPS
        )
        cls.budget([(cls.concrete, 10000), (cls.labor, 5000)])
        cls.actual(cls.concrete, 2000)
        cls.actual(cls.labor, 1000)

    def forecast(self, period, lines, user=None, approve=True):
        forecast = (
            self.env["construction.forecast"]
            .with_user(user or self.pm)
            .create(
                {
                    "job_id": self.job.id,
                    "period_date": period,
                    "line_ids": [
                        (0, 0, {"cost_code_id": cc.id, "forecast_to_complete": ftc})
                        for cc, ftc in lines
                    ],
                }
            )
        )
        if approve:
            forecast.with_user(self.approver).action_approve()
        return forecast.with_user(self.env.user)

    def test_forecast_changes_projected_cost_and_fade_gain(self):
        # without a forecast: the mechanical projection (the budget still left)
        rows = self.job_cost()
        concrete = rows[(self.concrete, "material")]
        self.assertEqual((concrete.projected, concrete.variance), (10000, 0))
        # November: 12,000 still to spend on concrete, 1,500 on placing
        november = self.forecast(
            "2026-11-17", [(self.concrete, 12000), (self.labor, 1500)]
        )
        self.assertEqual(str(november.period_date), "2026-11-01")
        self.assertEqual(november.state, "approved")
        # the cost to date of the approval is kept on the lines
        line = november.line_ids.filtered(lambda fl: fl.cost_code_id == self.concrete)
        self.assertEqual((line.actual_cost, line.committed_cost), (2000, 0))
        self.assertEqual(november.projected_cost, 2000 + 12000 + 1000 + 1500)
        rows = self.job_cost()
        concrete, labor = rows[(self.concrete, "material")], rows[(self.labor, "labor")]
        # projected = actual 2,000 + committed 0 + forecast to complete 12,000
        self.assertEqual(concrete.forecast_to_complete, 12000)
        self.assertEqual((concrete.projected, concrete.variance), (14000, -4000))
        self.assertEqual((labor.projected, labor.variance), (2500, 2500))
        self.assertEqual(concrete.fade_gain, 0)  # no earlier period yet
        # December: concrete 9,000 to go: a gain of 3,000 against November's
        # 14,000; placing 3,000 to go: 1,000 + 3,000 = 4,000, a fade of 1,500
        self.forecast("2026-12-01", [(self.concrete, 9000), (self.labor, 3000)])
        rows = self.job_cost()
        concrete, labor = rows[(self.concrete, "material")], rows[(self.labor, "labor")]
        self.assertEqual((concrete.projected, concrete.prior_projected), (11000, 14000))
        self.assertEqual(concrete.fade_gain, 3000)
        self.assertEqual((labor.projected, labor.fade_gain), (4000, -1500))

    def test_new_version_supersedes_the_periods_approved_one(self):
        first = self.forecast("2026-11-01", [(self.concrete, 12000)])
        action = first.with_user(self.pm).action_new_version()
        second = self.env["construction.forecast"].browse(action["res_id"])
        self.assertEqual((second.version, second.state), (2, "draft"))
        second.line_ids.with_user(self.pm).forecast_to_complete = 8000
        second.with_user(self.approver).action_approve()
        self.assertEqual(first.state, "superseded")
        rows = self.job_cost()
        self.assertEqual(rows[(self.concrete, "material")].projected, 10000)
        # the cost code the forecast does not name: nothing more is expected
        self.assertEqual(rows[(self.labor, "labor")].projected, 1000)

    def test_fill_from_job_cost(self):
        forecast = self.forecast("2026-11-01", [], approve=False)
        forecast.with_user(self.pm).action_fill_from_job_cost()
        self.assertEqual(
            {(fl.cost_code_id, fl.forecast_to_complete) for fl in forecast.line_ids},
            {(self.concrete, 8000), (self.labor, 4000)},
        )

    # ------------------------------------------------------------------ attacks
    def test_preparer_cannot_approve_own_forecast(self):
        forecast = self.forecast(
            "2026-11-01", [(self.concrete, 1)], user=self.pm_approver, approve=False
        )
        with self.assertRaisesRegex(UserError, "another person must approve"):
            forecast.with_user(self.pm_approver).action_approve()
        # a project manager is no approver
        with self.assertRaises(UserError):
            forecast.with_user(self.pm).action_approve()
        # whoever changes the figures becomes a preparer too
        forecast.line_ids.with_user(self.approver).forecast_to_complete = 5
        with self.assertRaisesRegex(UserError, "another person must approve"):
            forecast.with_user(self.approver).action_approve()
        self.assertEqual(forecast.state, "draft")

    def test_rpc_writes_of_state_and_amounts_are_refused(self):
        draft = self.forecast("2026-11-01", [(self.concrete, 1)], approve=False)
        as_pm = draft.with_user(self.pm)
        for vals in (
            {"state": "approved"},
            {"approved_by_id": self.pm.id},
            {"approval_preparer_ids": [(5, 0, 0)]},
        ):
            with self.assertRaises(UserError):
                as_pm.write(vals)
        # the cost to date is the approval's to take, not the preparer's to set
        with self.assertRaisesRegex(UserError, "taken from job cost"):
            as_pm.line_ids.write({"actual_cost": -50000})
        with self.assertRaises(UserError):
            self.env["construction.forecast"].with_user(self.pm).create(
                {
                    "job_id": self.job.id,
                    "period_date": "2026-11-01",
                    "state": "approved",
                }
            )
        with self.assertRaises(UserError):
            as_pm.write({"projected_cost": 1})
        draft.with_user(self.approver).action_approve()
        for target, vals in (
            (as_pm, {"period_date": "2026-10-01"}),
            (as_pm, {"state": "draft"}),
            (as_pm.line_ids, {"forecast_to_complete": 0}),
            (as_pm.line_ids, {"committed_cost": 0}),
        ):
            with self.assertRaises(UserError):
                target.write(vals)
        with self.assertRaises(UserError):
            as_pm.line_ids.create(
                {"forecast_id": draft.id, "cost_code_id": self.labor.id}
            )
        with self.assertRaises(UserError):
            draft.with_user(self.approver).unlink()
        # notes stay free
        as_pm.note = "Concrete prices up 4% from January."
        self.assertEqual(draft.line_ids.forecast_to_complete, 1)

    def test_context_keys_unlock_nothing(self):
        forecast = self.forecast("2026-11-01", [(self.concrete, 1)])
        keys = {
            "construction_approval_unlocked": True,
            "approval_unlock": True,
            "construction_forecast_snapshot": True,
            "tracking_disable": True,
            "install_mode": True,
        }
        as_pm = forecast.with_user(self.pm).with_context(**keys)
        with self.assertRaises(UserError):
            as_pm.line_ids.write({"forecast_to_complete": 99999})
        with self.assertRaises(UserError):
            as_pm.write({"state": "draft"})
        draft = self.forecast("2026-12-01", [(self.concrete, 1)], approve=False)
        with self.assertRaises(UserError):
            draft.with_user(self.pm).with_context(**keys).line_ids.write(
                {"actual_cost": 1}
            )
        self.assertEqual(forecast.line_ids.forecast_to_complete, 1)

    def test_demo_forecasts_show_the_steel_fade(self):
        """On a database with demo data: the library job's November forecast fades
        the steel subcontract by 8,000 against October's."""
        ref = self.env.ref
        november = ref("construction_project_sync.forecast_demo_library_2026_11")
        self.assertEqual(november.state, "approved")
        self.env.flush_all()
        steel = self.env["construction.job.cost"].search(
            [
                ("job_id", "=", november.job_id.id),
                (
                    "cost_code_id",
                    "=",
                    ref("construction_project_sync.demo_cc_05_120").id,
                ),
            ]
        )
        self.assertEqual((steel.projected, steel.fade_gain), (418000, -8000))
        schedule = ref("construction_project_sync.wip_demo_schedule_2026_11")
        self.assertIn(november.job_id, schedule.line_ids.job_id)
