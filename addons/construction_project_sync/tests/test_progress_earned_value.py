from datetime import date

from psycopg2.errors import CheckViolation, UniqueViolation

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import JobCase

MANAGER = "base.group_user,construction_project_sync.group_project_manager"


@tagged("post_install", "-at_install")
class TestEarnedValue(JobCase):
    """The worked example, checked by hand.

    Job T-001 runs 1 to 30 November 2026 (30 days).
      Concrete (T-03300): budget 100 m³ x 200 = 20,000, no phase, so its plan is
        the job's window; owner change order CO-EV adds 2,000 of cost:
        BAC = 22,000. Installed to date: 20 m³ on 5 Nov, 45 on 12 Nov, 70 on
        18 Nov. Actual: a posted journal entry of 9,900 (2 Nov).
      Placing (T-03310, labour): budget 100 m³ x 120 = 12,000 in phase P1, which
        runs 11 to 20 November (10 days). Installed: 40 m³ on 14 Nov. Actual: 60 h
        of field time (20 + 24 + 16) at 50/h = 3,000
        (2 Nov).

    Status date 15 November:
      Concrete  planned 15/30 = 50%      PV = 22,000 x 0.5 = 11,000
                complete 45/100 = 45%    EV = 22,000 x 0.45 = 9,900
                AC = 9,900   CPI = 9,900 / 9,900 = 1.00   SPI = 9,900 / 11,000 = 0.90
                budgeted unit cost 22,000 / 100 = 220; actual 9,900 / 45 = 220
      Placing   planned 5/10 (11..15 Nov) = 50%   PV = 12,000 x 0.5 = 6,000
                complete 40/100 = 40%    EV = 12,000 x 0.40 = 4,800
                AC = 3,000   CPI = 4,800 / 3,000 = 1.60   SPI = 4,800 / 6,000 = 0.80
                hours per unit 60 / 40 = 1.5; actual unit cost 3,000 / 40 = 75
                budgeted 125 h for 100 m³: 1.25 h per unit; earned hours
                125 x 0.40 = 50; productivity 50 / 60 = 0.83 (more hours than
                estimated)
      Job       PV = 17,000  EV = 14,700  AC = 12,900
                CPI = 14,700 / 12,900 = 1.1395 -> 1.14
                SPI = 14,700 / 17,000 = 0.8647 -> 0.86
    Status date 20 November: concrete 70% -> EV 15,400, PV 22,000 x 20/30 =
      14,666.67; placing planned 100% -> PV 12,000.
    Status date 31 October: nothing planned, installed or posted yet.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.job.write({"date_start": "2026-11-01", "date": "2026-11-30"})
        cls.m3 = cls.env.ref("uom.product_uom_cubic_meter")
        cls.phase = cls.env["construction.phase"].create(
            {
                "job_id": cls.job.id,
                "code": "P1",
                "name": "Placing",
                "date_start": "2026-11-11",
                "date_end": "2026-11-20",
            }
        )
        budget = cls.env["construction.budget"].create(
            {
                "job_id": cls.job.id,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "cost_code_id": cls.concrete.id,
                            "quantity": 100,
                            "uom_id": cls.m3.id,
                            "unit_cost": 200,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "cost_code_id": cls.labor.id,
                            "phase_id": cls.phase.id,
                            "quantity": 100,
                            "uom_id": cls.m3.id,
                            "unit_cost": 120,
                            "labor_hours": 125,
                        },
                    ),
                ],
            }
        )
        budget.with_user(cls.approver).action_approve()
        cls.change_order("CO-EV", [(cls.concrete, 2000, 2500)])
        Quantity = cls.env["construction.installed.quantity"]
        for cost_code, day, quantity in [
            (cls.concrete, "2026-11-05", 20),
            (cls.concrete, "2026-11-12", 45),
            (cls.concrete, "2026-11-18", 70),
            (cls.labor, "2026-11-14", 40),
        ]:
            Quantity.create(
                {
                    "job_id": cls.job.id,
                    "cost_code_id": cost_code.id,
                    "date": day,
                    "quantity_to_date": quantity,
                }
            )
        cls.actual(cls.concrete, 9900)
        for hours in (20, 24, 16):
            cls.posted_field_time(cls.labor, hours, 50)

    def earned(self, day):
        self.env.flush_all()
        rows = (
            self.env["construction.earned.value"]
            .with_context(progress_date=day)
            .search([("job_id", "=", self.job.id)])
        )
        return {row.cost_code_id: row for row in rows}

    def test_worked_example_at_mid_month(self):
        rows = self.earned("2026-11-15")
        self.assertEqual(set(rows), {self.concrete, self.labor})
        self.assertRecordValues(
            rows[self.concrete] + rows[self.labor],
            [
                {
                    "budgeted_quantity": 100,
                    "installed_quantity": 45,
                    "uom_id": self.m3.id,
                    "percent_complete": 45,
                    "planned_percent": 50,
                    "budget_at_completion": 22000,
                    "planned_value": 11000,
                    "earned_value": 9900,
                    "actual_cost": 9900,
                    "cost_variance": 0,
                    "schedule_variance": -1100,
                    "cpi": 1.0,
                    "spi": 0.9,
                    "budgeted_unit_cost": 220,
                    "actual_unit_cost": 220,
                    "labor_hours": 0,
                    "hours_per_unit": 0,
                    "budgeted_hours": 0,
                    "budgeted_hours_per_unit": 0,
                    "earned_hours": 0,
                    "productivity": 0,
                    "planned_start": date(2026, 11, 1),
                    "planned_finish": date(2026, 11, 30),
                },
                {
                    "budgeted_quantity": 100,
                    "installed_quantity": 40,
                    "uom_id": self.m3.id,
                    "percent_complete": 40,
                    "planned_percent": 50,
                    "budget_at_completion": 12000,
                    "planned_value": 6000,
                    "earned_value": 4800,
                    "actual_cost": 3000,
                    "cost_variance": 1800,
                    "schedule_variance": -1200,
                    "cpi": 1.6,
                    "spi": 0.8,
                    "labor_hours": 60,
                    "hours_per_unit": 1.5,
                    "budgeted_hours": 125,
                    "budgeted_hours_per_unit": 1.25,
                    "earned_hours": 50,
                    "productivity": 0.83,
                    "budgeted_unit_cost": 120,
                    "actual_unit_cost": 75,
                    "planned_start": date(2026, 11, 11),
                    "planned_finish": date(2026, 11, 20),
                },
            ],
        )
        totals = self.env["construction.earned.value"]._job_totals(
            self.job, "2026-11-15"
        )[self.job.id]
        self.assertEqual(
            totals,
            {
                "planned_value": 17000,
                "earned_value": 14700,
                "actual_cost": 12900,
                "cpi": 1.14,
                "spi": 0.86,
            },
        )

    def test_each_status_date_has_its_own_figures(self):
        later = self.earned("2026-11-20")
        self.assertRecordValues(
            later[self.concrete] + later[self.labor],
            [
                {
                    "installed_quantity": 70,
                    "earned_value": 15400,
                    "planned_value": 14666.67,
                },
                {
                    "installed_quantity": 40,
                    "earned_value": 4800,
                    "planned_value": 12000,
                },
            ],
        )
        before = self.earned("2026-10-31")
        self.assertRecordValues(
            before[self.concrete] + before[self.labor],
            [
                {
                    "installed_quantity": 0,
                    "planned_value": 0,
                    "earned_value": 0,
                    "actual_cost": 0,
                },
                {
                    "installed_quantity": 0,
                    "planned_value": 0,
                    "earned_value": 0,
                    "actual_cost": 0,
                },
            ],
        )
        # the mid-month figures are still the mid-month ones
        self.assertEqual(self.earned("2026-11-15")[self.concrete].earned_value, 9900)

    def test_more_installed_than_budgeted_earns_the_budget_only(self):
        self.env["construction.installed.quantity"].create(
            {
                "job_id": self.job.id,
                "cost_code_id": self.labor.id,
                "date": "2026-11-25",
                "quantity_to_date": 120,
            }
        )
        row = self.earned("2026-11-30")[self.labor]
        self.assertEqual(
            (row.percent_complete, row.earned_value, row.budget_at_completion),
            (120, 12000, 12000),
        )

    def test_cost_without_a_cost_code_counts_in_the_job_actual(self):
        self.actual(None, 600)
        rows = self.earned("2026-11-15")
        self.assertEqual(rows[self.env["construction.cost.code"]].actual_cost, 600)
        totals = self.env["construction.earned.value"]._job_totals(
            self.job, "2026-11-15"
        )[self.job.id]
        self.assertEqual(totals["actual_cost"], 13500)

    @mute_logger("odoo.sql_db")
    def test_installed_quantity_rules(self):
        Quantity = self.env["construction.installed.quantity"]
        entered = Quantity.create(
            {
                "job_id": self.job.id,
                "cost_code_id": self.concrete.id,
                "date": "2026-11-20",
                "quantity_to_date": 75,
            }
        )
        # the budget's unit, so percent complete divides like by like
        self.assertEqual(entered.uom_id, self.m3)
        with self.assertRaises(ValidationError), self.cr.savepoint():
            entered.uom_id = self.env.ref("uom.product_uom_meter")
        with self.assertRaises(UniqueViolation), self.cr.savepoint():
            Quantity.create(
                {
                    "job_id": self.job.id,
                    "cost_code_id": self.concrete.id,
                    "date": "2026-11-20",
                    "quantity_to_date": 80,
                }
            )
        with self.assertRaises(CheckViolation), self.cr.savepoint():
            entered.quantity_to_date = -1
            entered.flush_recordset()

    def test_access(self):
        manager = new_test_user(self.env, "ev_manager", groups=MANAGER)
        rows = (
            self.env["construction.earned.value"]
            .with_user(manager)
            .with_context(progress_date="2026-11-15")
            .search([("job_id", "=", self.job.id)])
        )
        self.assertEqual(len(rows), 2)
        record = (
            self.env["construction.installed.quantity"]
            .with_user(manager)
            .create(
                {
                    "job_id": self.job.id,
                    "cost_code_id": self.labor.id,
                    "date": "2026-11-16",
                    "quantity_to_date": 50,
                }
            )
        )
        # a site manager enters and corrects quantities, a controller deletes them
        with self.assertRaises(AccessError):
            record.unlink()
        basic = new_test_user(self.env, "ev_user", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["construction.earned.value"].with_user(basic).search([])

    def test_status_date_asked_by_the_menu(self):
        action = (
            self.env["construction.earned.value.status"]
            .create({"date": "2026-11-15", "job_ids": [(6, 0, self.job.ids)]})
            .action_open()
        )
        self.assertEqual(action["domain"], [("job_id", "in", self.job.ids)])
        rows = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .search(action["domain"])
        )
        self.assertEqual(sum(rows.mapped("earned_value")), 14700)

    def test_other_company_sees_nothing(self):
        other = self.env["res.company"].create({"name": "Other Builders"})
        outsider = new_test_user(
            self.env,
            "ev_outsider",
            groups=MANAGER,
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.assertFalse(
            self.env["construction.earned.value"]
            .with_user(outsider)
            .with_context(progress_date="2026-11-15")
            .search([("job_id", "=", self.job.id)])
        )
        self.assertFalse(
            self.env["construction.installed.quantity"]
            .with_user(outsider)
            .search([("job_id", "=", self.job.id)])
        )
