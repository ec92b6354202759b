from datetime import date, datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

COORDINATOR = "base.group_user,equipment_costing.group_equipment_user"
APPROVER = "base.group_user,equipment_costing.group_equipment_manager"
# days older than any settling period (a month before the tests were written)
OCT_5, OCT_6 = date(2026, 10, 5), date(2026, 10, 6)


@tagged("post_install", "-at_install")
class TestEquipmentReconciliation(TransactionCase):
    """The equipment checks on the hub's reconciliation framework: each finds its
    drift, its fix does what it says, and a clean fleet gives nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.partner_id.tz = "UTC"
        cls.company.write({"equipment_settle_days": 7, "equipment_rental_idle_days": 3})
        cls.today = fields.Date.context_today(cls.env.user)

        def user(login, groups):
            return new_test_user(
                cls.env,
                login,
                groups=groups,
                company_id=cls.company.id,
                company_ids=[(6, 0, cls.company.ids)],
            )

        cls.coordinator = user("rec_coordinator", COORDINATOR)
        cls.approver = user("rec_approver", APPROVER)
        cls.job = cls.env["project.project"].create(
            {"name": "Test Reconciled Cut", "is_job": True, "job_number": "T-REC-1"}
        )
        cls.earthworks = cls.env["construction.cost.code"].create(
            {"code": "T-REC-31", "name": "Earthworks", "cost_type": "equipment"}
        )
        Equipment = cls.env["maintenance.equipment"]
        cls.excavator = Equipment.create(
            {
                "name": "Test Reconciled Excavator",
                "equipment_number": "T-REC-EX",
                "technician_user_id": cls.approver.id,
            }
        )
        cls.vendor = cls.env["res.partner"].create({"name": "Test Idle Hire"})
        cls.crane = Equipment.create(
            {
                "name": "Test Idle Crane",
                "equipment_number": "T-REC-RC",
                "ownership": "rented",
                "partner_id": cls.vendor.id,
                "rental_rate_basis": "day",
                "technician_user_id": cls.approver.id,
            }
        )
        Rate = cls.env["construction.equipment.rate"]
        for machine, kind, amount in (
            (cls.excavator, "operating", 100),
            (cls.excavator, "idle", 40),
            (cls.crane, "day", 900),
        ):
            Rate.create(
                {
                    "equipment_id": machine.id,
                    "kind": kind,
                    "amount": amount,
                    "date_from": date(2026, 1, 1),
                }
            )
        for machine in cls.excavator | cls.crane:
            cls.env["construction.equipment.assignment"].create(
                {
                    "equipment_id": machine.id,
                    "job_id": cls.job.id,
                    "cost_code_id": cls.earthworks.id,
                    "date_start": datetime(2026, 10, 1, 6),
                }
            )

    def usage(self, machine, day, operating, idle=0.0, state="ok", job=True):
        # sudo: usage is derived by the suite from readings, never typed in
        return (
            self.env["construction.equipment.usage"]
            .sudo()
            .create(
                {
                    "equipment_id": machine.id,
                    "company_id": self.company.id,
                    "date": day,
                    "job_id": job and self.job.id,
                    "assignment_id": job and machine.assignment_ids[:1].id,
                    "cost_code_id": job and self.earthworks.id,
                    "operating_hours": operating,
                    "idle_hours": idle,
                    "state": state,
                }
            )
        )

    def reading(self, machine, moment, value, state="ok"):
        # sudo: readings come from the telematics flow only
        return (
            self.env["construction.equipment.reading"]
            .sudo()
            .create(
                {
                    "equipment_id": machine.id,
                    "company_id": self.company.id,
                    "kind": "operating_hours",
                    "value": value,
                    "reading_datetime": moment,
                    "state": state,
                }
            )
        )

    def drift(self, xmlid, machines):
        check = self.env.ref(f"equipment_costing.{xmlid}")
        run = check._run(self.company)
        self.assertEqual(run.state, "done", run.error)
        return run.drift_ids.filtered(
            lambda d: (
                d.res_model == "maintenance.equipment" and d.res_id in machines.ids
            )
        )

    # ------------------------------------------------------------ hours costed
    def test_hours_received_vs_costed_and_staging_the_missing_days(self):
        Cost = self.env["construction.equipment.cost"]
        first = self.usage(self.excavator, OCT_5, 6.5, 1.5)
        second = self.usage(self.excavator, OCT_6, 4.0)
        # yesterday is within the settling days: not drift yet
        self.usage(self.excavator, self.today - timedelta(days=1), 3.0)
        drift = self.drift("reconciliation_check_hours_costed", self.excavator)
        self.assertEqual(len(drift), 1)
        self.assertEqual((drift.expected, drift.actual), (12.0, 0.0))
        self.assertTrue(drift.fixable)
        self.assertEqual(drift.reference, "T-REC-EX 2026-10")
        self.assertIn("2 day(s) never staged", drift.message)

        # the first day staged and approved: 8 h costed, the second day missing
        staged = Cost.with_user(self.coordinator)._stage(OCT_5, OCT_5)
        staged.with_user(self.approver).action_approve()
        drift = self.drift("reconciliation_check_hours_costed", self.excavator)
        self.assertEqual((drift.expected, drift.actual), (12.0, 8.0))
        self.assertIn("1 day(s) never staged", drift.message)

        # the fix stages the missing day (and no other), for an approver; it
        # stages with the rights of whoever runs it (who watches the hub and
        # keeps the fleet)
        fixer = new_test_user(
            self.env,
            "rec_fixer",
            groups=f"{COORDINATOR},integration_queue.group_integration_user",
        )
        drift.with_user(fixer).action_fix()
        self.assertEqual(drift.state, "fixed")
        new = Cost.search([("usage_id", "=", second.id)])
        self.assertEqual(new.mapped("quantity"), [4.0])
        self.assertEqual(new.state, "draft")
        self.assertFalse(
            Cost.search(
                [("equipment_id", "=", self.excavator.id), ("date", ">", OCT_6)]
            )
        )
        self.assertEqual(len(Cost.search([("usage_id", "=", first.id)])), 2)
        # staged but not approved: still drift, nothing left to stage
        drift = self.drift("reconciliation_check_hours_costed", self.excavator)
        self.assertFalse(drift.fixable)
        self.assertIn("4.0 h staged and waiting for approval", drift.message)

        new.with_user(self.approver).action_approve()
        self.assertFalse(
            self.drift("reconciliation_check_hours_costed", self.excavator)
        )

    def test_rejected_hours_are_settled(self):
        self.usage(self.excavator, OCT_5, 5.0)
        costs = self.env["construction.equipment.cost"]._stage(OCT_5, OCT_5)
        costs.with_user(self.approver).action_reject("Machine was broken down")
        self.assertFalse(
            self.drift("reconciliation_check_hours_costed", self.excavator)
        )

    # ------------------------------------------------------------ unassigned use
    def test_use_without_an_assignment_until_someone_assigns_it(self):
        stray = self.env["maintenance.equipment"].create(
            {"name": "Test Stray Skid Steer", "equipment_number": "T-REC-SS"}
        )
        self.reading(stray, datetime(2026, 10, 5, 9), 100.0, state="suspect")
        self.reading(stray, datetime(2026, 10, 5, 15), 104.5, state="suspect")
        self.usage(stray, OCT_5, 4.5, state="flagged", job=False)
        drift = self.drift("reconciliation_check_unassigned_use", stray)
        self.assertEqual(len(drift), 1)
        self.assertFalse(drift.fixable)
        self.assertIn("2 suspect reading(s) and 1 flagged day(s)", drift.message)
        self.assertIn("2026-10-05", drift.message)
        with self.assertRaises(UserError):
            drift.action_fix()
        # dispatch says where it was, entered in Odoo after the readings came: the
        # readings are covered now, the day waits for its usage to be recomputed
        self.env["construction.equipment.assignment"].create(
            {
                "equipment_id": stray.id,
                "job_id": self.job.id,
                "date_start": datetime(2026, 10, 5, 6),
                "date_end": datetime(2026, 10, 6, 0),
            }
        )
        drift = self.drift("reconciliation_check_unassigned_use", stray)
        self.assertEqual(drift.reference, "Test Stray Skid Steer: assigned since")
        self.assertTrue(drift.fixable)
        self.assertIn("1 flagged day(s) without a job", drift.message)
        # recomputing is an equipment cost approver's act
        watcher = "integration_queue.group_integration_user"
        fixer = new_test_user(
            self.env, "rec_fixer_coordinator", groups=f"{COORDINATOR},{watcher}"
        )
        with self.assertRaises(AccessError):
            drift.with_user(fixer).action_fix()
        approver = new_test_user(
            self.env, "rec_fixer_approver", groups=f"{APPROVER},{watcher}"
        )
        drift.with_user(approver).action_fix()
        day = self.env["construction.equipment.usage"].search(
            [("equipment_id", "=", stray.id)]
        )
        self.assertEqual(
            (day.date, day.job_id, day.operating_hours, day.state),
            (OCT_5, self.job, 4.5, "ok"),
        )
        self.assertFalse(self.drift("reconciliation_check_unassigned_use", stray))

    # ------------------------------------------------------------ rentals
    def test_idle_rental_and_rental_cost_without_usage(self):
        blind = self.env["maintenance.equipment"].create(
            {
                "name": "Test Blind Crane",
                "ownership": "rented",
                "partner_id": self.vendor.id,
                "rental_rate_basis": "day",
            }
        )
        self.env["construction.equipment.assignment"].create(
            {
                "equipment_id": blind.id,
                "job_id": self.job.id,
                "date_start": datetime(2026, 10, 1, 6),
            }
        )
        # the crane reports; it last worked two weeks ago, never in October
        self.reading(self.crane, datetime(2026, 9, 30, 12), 500.0)
        last_worked = self.today - timedelta(days=14)
        self.usage(self.crane, last_worked, 6.0)
        rental = (
            self.env["construction.equipment.cost"]
            .with_user(self.coordinator)
            ._stage(OCT_5, OCT_6, machines=self.crane)
        )
        self.assertEqual(sum(rental.mapped("amount")), 1800.0)
        machines = self.crane | blind
        drift = self.drift("reconciliation_check_rental_unused", machines)
        # a machine without telematics tells nothing of its use
        self.assertEqual(drift.mapped("res_id"), [self.crane.id] * 2)
        idle = drift.filtered(lambda d: d.reference == "T-REC-RC idle")
        self.assertIn(f"no hours since {last_worked}", idle.message)
        self.assertEqual((idle.expected, idle.actual), (3, 14))
        unused = drift - idle
        self.assertEqual(unused.reference, "T-REC-RC rental 2026-10")
        self.assertEqual(unused.actual, 1800.0)
        self.assertIn("2 day(s)", unused.message)

        # the fix: a to-do each for the crane's approver, not twice
        drift.action_fix()
        self.assertEqual(
            sorted(self.crane.activity_ids.mapped("summary")),
            ["T-REC-RC idle", "T-REC-RC rental 2026-10"],
        )
        self.assertEqual(self.crane.activity_ids.user_id, self.approver)
        self.drift("reconciliation_check_rental_unused", machines).action_fix()
        self.assertEqual(len(self.crane.activity_ids), 2)

        # it worked in October and yesterday: nothing to say
        self.usage(self.crane, OCT_6, 2.0)
        self.usage(self.crane, self.today - timedelta(days=1), 3.0)
        self.assertFalse(self.drift("reconciliation_check_rental_unused", machines))

    # ------------------------------------------------------------ flagged usage
    def test_usage_still_flagged_asks_the_approver(self):
        flagged = self.usage(self.excavator, OCT_5, 30.0, state="flagged")
        # flagged yesterday: within the settling days
        self.usage(
            self.excavator, self.today - timedelta(days=1), 30.0, state="flagged"
        )
        drift = self.drift("reconciliation_check_usage_unaccepted", self.excavator)
        self.assertEqual(len(drift), 1)
        self.assertEqual(drift.actual, 1)
        self.assertIn("1 day(s) of usage flagged between 2026-10-05", drift.message)
        drift.action_fix()
        activity = self.excavator.activity_ids
        self.assertEqual(activity.user_id, self.approver)
        self.assertEqual(activity.summary, "Review flagged usage: T-REC-EX")

        flagged.with_user(self.approver).action_accept()
        self.assertFalse(
            self.drift("reconciliation_check_usage_unaccepted", self.excavator)
        )

    def test_approver_without_technician_is_the_companys(self):
        machine = self.env["maintenance.equipment"].create({"name": "Test Orphan"})
        approver = machine._equipment_approver()
        self.assertTrue(approver.has_group("equipment_costing.group_equipment_manager"))
        self.assertNotEqual(approver, self.env.ref("base.user_root"))

    def test_settings_are_sane(self):
        with self.assertRaises(ValidationError):
            self.company.equipment_rental_idle_days = 0
        with self.assertRaises(ValidationError):
            self.company.equipment_settle_days = -1
        settings = self.env["res.config.settings"].create(
            {"equipment_settle_days": 10, "equipment_rental_idle_days": 5}
        )
        settings.execute()
        self.assertEqual(
            (
                self.company.equipment_settle_days,
                self.company.equipment_rental_idle_days,
            ),
            (10, 5),
        )

    def test_each_company_reconciles_its_own_fleet(self):
        other = self.env["res.company"].create({"name": "Test Other Fleet Co"})
        machine = self.env["maintenance.equipment"].create(
            {"name": "Test Other Dozer", "company_id": other.id}
        )
        # sudo: usage is derived by the suite from readings, never typed in
        self.env["construction.equipment.usage"].sudo().create(
            {
                "equipment_id": machine.id,
                "company_id": other.id,
                "date": OCT_5,
                "operating_hours": 30.0,
                "state": "flagged",
            }
        )
        check = self.env.ref("equipment_costing.reconciliation_check_usage_unaccepted")
        mine, theirs = check._run(self.company | other)
        self.assertNotIn(machine.id, mine.drift_ids.mapped("res_id"))
        self.assertEqual(theirs.drift_ids.mapped("res_id"), machine.ids)
