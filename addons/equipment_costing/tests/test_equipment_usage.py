from datetime import date, datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

COORDINATOR = "equipment_costing.group_equipment_user"
MANAGER = "equipment_costing.group_equipment_manager"
SERVICE = "integration_queue.group_integration_service"
# Wednesday 25 and Thursday 26 November 2026; the 28th is a Saturday
TUE, WED, THU, FRI, SAT = (date(2026, 11, day) for day in (24, 25, 26, 27, 28))


def at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute)


@tagged("post_install", "-at_install")
class TestEquipmentUsage(TransactionCase):
    """Daily usage from cumulative meters: what real feeds do, and who may settle
    what the meters cannot prove."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.partner_id.tz = "UTC"
        cls.company.write(
            {
                "equipment_standard_day_hours": 8.0,
                "equipment_max_hours_per_day": 24.0,
                "equipment_max_fuel_per_day": 0.0,
            }
        )
        cls.Usage = cls.env["construction.equipment.usage"]
        cls.Reading = cls.env["construction.equipment.reading"]
        cls.Exception = cls.env["integration.exception"]
        cls.job = cls.env["project.project"].create(
            {"name": "Test Usage Job", "is_job": True, "job_number": "T-USE-1"}
        )
        cls.other_job = cls.env["project.project"].create(
            {"name": "Test Usage Job 2", "is_job": True, "job_number": "T-USE-2"}
        )

        def user(login, groups, company):
            return new_test_user(
                cls.env,
                login,
                groups=groups,
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
            )

        cls.coordinator = user(
            "use_coord", f"base.group_user,{COORDINATOR}", cls.company
        )
        cls.manager = user("use_manager", f"base.group_user,{MANAGER}", cls.company)
        cls.service = user(
            "use_service", f"base.group_user,{SERVICE},{COORDINATOR}", cls.company
        )

    def machine(self, name, assigned=True, company=None):
        machine = self.env["maintenance.equipment"].create(
            {"name": name, "company_id": (company or self.company).id}
        )
        if assigned:
            self.env["construction.equipment.assignment"].create(
                {
                    "equipment_id": machine.id,
                    "job_id": self.job.id,
                    "date_start": datetime(2026, 11, 1),
                }
            )
        return machine

    def send(self, machine, moment, recompute=True, **meters):
        readings = self.Reading.create(
            [
                {
                    "equipment_id": machine.id,
                    "company_id": machine.company_id.id,
                    "kind": kind,
                    "value": value,
                    "reading_datetime": moment,
                }
                for kind, value in meters.items()
            ]
        )
        if recompute:
            self.Usage._recompute_readings(readings)
        return readings

    def usage(self, machine, day=None):
        domain = [("equipment_id", "=", machine.id)]
        if day:
            domain.append(("date", "=", day))
        return self.Usage.search(domain, order="date, period_start")

    def figures(self, machine):
        return [
            (
                u.date,
                u.job_id.id,
                round(u.operating_hours, 2),
                round(u.idle_hours, 2),
                round(u.standby_hours, 2),
                round(u.fuel_used, 2),
                u.state,
            )
            for u in self.usage(machine)
        ]

    def exceptions(self, machine, code):
        return self.Exception.search(
            [
                ("res_model", "=", "maintenance.equipment"),
                ("res_id", "=", machine.id),
                ("reason_code", "=", code),
            ]
        )

    # ------------------------------------------------------------ derivation
    def test_normal_day(self):
        machine = self.machine("Test Usage Normal")
        self.send(
            machine, at(TUE, 17), operating_hours=100, idle_hours=20, fuel_used=500
        )
        self.send(machine, at(WED, 9), operating_hours=102, idle_hours=20.5)
        self.send(
            machine, at(WED, 17), operating_hours=105, idle_hours=21, fuel_used=560
        )
        tuesday, wednesday = self.usage(machine)
        # a meter's first reading is only its baseline
        self.assertEqual(tuesday.operating_hours, 0)
        self.assertEqual(
            (wednesday.date, wednesday.job_id, wednesday.state),
            (WED, self.job, "ok"),
        )
        self.assertAlmostEqual(wednesday.operating_hours, 5)
        self.assertAlmostEqual(wednesday.idle_hours, 1)
        self.assertAlmostEqual(wednesday.fuel_used, 60)
        # standard day 8 h less 5 operating and 1 idle
        self.assertAlmostEqual(wednesday.standby_hours, 2)
        self.assertAlmostEqual(wednesday.reported_operating_hours, 5)
        self.assertFalse(wednesday.flag_reason)
        self.assertIn(
            ("state", "in", ("ok", "accepted")), self.Usage._costable_domain()
        )
        self.assertIn(wednesday, self.Usage.search(self.Usage._costable_domain()))
        # nothing on a Saturday is standby
        self.send(machine, at(SAT, 12), operating_hours=106)
        self.assertEqual(self.usage(machine, SAT).standby_hours, 0)

    def test_day_in_the_company_timezone(self):
        self.company.partner_id.tz = "America/New_York"
        machine = self.machine("Test Usage Timezone")
        self.send(machine, at(TUE, 20), operating_hours=100)
        # 03:00 UTC on Thursday is Wednesday evening in New York
        self.send(machine, at(THU, 3), operating_hours=104)
        self.assertEqual(self.usage(machine).mapped("date"), [TUE, WED])
        self.assertAlmostEqual(self.usage(machine, WED).operating_hours, 4)

    def test_out_of_order_equals_in_order(self):
        in_order = self.machine("Test Usage In Order")
        late = self.machine("Test Usage Out Of Order")
        points = [
            (at(TUE, 17), 100, 500),
            (at(WED, 12), 103, 520),
            (at(WED, 17), 106, 540),
            (at(FRI, 17), 116, 600),  # a gap on Thursday
        ]
        for moment, hours, fuel in points:
            self.send(in_order, moment, operating_hours=hours, fuel_used=fuel)
        for moment, hours, fuel in reversed(points):
            self.send(late, moment, operating_hours=hours, fuel_used=fuel)
        self.assertEqual(self.figures(late), self.figures(in_order))
        self.assertEqual(
            [(row[0], row[2]) for row in self.figures(in_order)],
            [(TUE, 0), (WED, 6), (FRI, 10)],
        )
        # a reading arriving late inside the gap takes its share from Friday
        self.send(late, at(THU, 17), operating_hours=112)
        self.assertEqual(
            [(row[0], row[2]) for row in self.figures(late)],
            [(TUE, 0), (WED, 6), (THU, 6), (FRI, 4)],
        )

    def test_gap_lands_on_the_day_observed_and_is_flagged_beyond_the_day(self):
        machine = self.machine("Test Usage Gap")
        self.send(machine, at(TUE, 17), operating_hours=100)
        self.send(machine, at(THU, 17), operating_hours=110)
        # nothing spread over Wednesday: 10 h on Thursday, a day can hold that
        self.assertEqual(self.usage(machine).mapped("date"), [TUE, THU])
        thursday = self.usage(machine, THU)
        self.assertEqual((thursday.operating_hours, thursday.state), (10, "ok"))
        self.send(machine, at(SAT, 17), operating_hours=140)
        saturday = self.usage(machine, SAT)
        self.assertEqual((saturday.operating_hours, saturday.state), (30, "flagged"))
        self.assertIn("more than the 24.0 h this day can hold", saturday.flag_reason)
        self.assertIn("2026-11-26 17:00:00", saturday.flag_reason)

    def test_reset_meter(self):
        machine = self.machine("Test Usage Reset")
        self.send(machine, at(TUE, 17), operating_hours=100, idle_hours=10)
        self.send(machine, at(WED, 9), operating_hours=104, idle_hours=10)
        self.send(machine, at(WED, 17), operating_hours=3, idle_hours=11)
        self.send(machine, at(THU, 17), operating_hours=9, idle_hours=12)
        wednesday, thursday = self.usage(machine, WED), self.usage(machine, THU)
        self.assertEqual(wednesday.state, "flagged")
        self.assertIn("dropped from 104.0 to 3.0", wednesday.flag_reason)
        # what the meters prove: the 4 h before the drop
        self.assertAlmostEqual(wednesday.operating_hours, 4)
        # the day after counts from the new meter
        self.assertEqual((thursday.operating_hours, thursday.state), (6, "ok"))
        exception = self.exceptions(machine, "usage_meter_drop")
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.state, "open")
        self.assertEqual(wednesday.sudo().exception_ids, exception)
        self.assertNotIn(wednesday, self.Usage.search(self.Usage._costable_domain()))
        # another drop of the same machine: the same exception, not a new one
        self.send(machine, at(FRI, 17), operating_hours=1)
        self.assertEqual(self.usage(machine, FRI).state, "flagged")
        self.assertEqual(self.exceptions(machine, "usage_meter_drop"), exception)

    def test_jumps(self):
        machine = self.machine("Test Usage Jump")
        self.send(machine, at(TUE, 17), operating_hours=100)
        self.send(machine, at(WED, 17), operating_hours=2100)
        wednesday = self.usage(machine, WED)
        self.assertEqual(wednesday.state, "flagged")
        self.assertIn("rose 2000.0 h", wednesday.flag_reason)
        self.assertEqual(len(self.exceptions(machine, "usage_jump")), 1)
        # a company's own threshold, and an optional fuel one
        self.company.write(
            {"equipment_max_hours_per_day": 10.0, "equipment_max_fuel_per_day": 300}
        )
        self.send(machine, at(THU, 17), operating_hours=2112, fuel_used=0)
        self.assertEqual(self.usage(machine, THU).state, "flagged")
        self.send(machine, at(FRI, 17), operating_hours=2120, fuel_used=200)
        self.assertEqual(self.usage(machine, FRI).state, "ok")
        self.send(machine, at(SAT, 17), operating_hours=2121, fuel_used=900)
        self.assertIn("Fuel Used rose 700.0", self.usage(machine, SAT).flag_reason)

    def test_a_late_reading_explains_a_jump_away(self):
        machine = self.machine("Test Usage Explained")
        self.send(machine, at(TUE, 17), operating_hours=100)
        self.send(machine, at(THU, 17), operating_hours=130)
        exception = self.exceptions(machine, "usage_jump")
        self.assertEqual(self.usage(machine, THU).state, "flagged")
        self.send(machine, at(WED, 17), operating_hours=115)
        self.assertEqual(self.usage(machine).mapped("state"), ["ok", "ok", "ok"])
        self.assertEqual(exception.state, "resolved")
        self.assertFalse(self.usage(machine, THU).sudo().exception_ids)

    def test_no_assignment(self):
        machine = self.machine("Test Usage Unassigned", assigned=False)
        self.send(machine, at(TUE, 17), operating_hours=100)
        self.assertEqual(self.usage(machine, TUE).state, "ok", "no use, no doubt")
        self.send(machine, at(WED, 17), operating_hours=104)
        wednesday = self.usage(machine, WED)
        self.assertFalse(wednesday.job_id)
        self.assertEqual(wednesday.state, "flagged")
        self.assertIn("used where nobody assigned it", wednesday.flag_reason)
        self.assertEqual(wednesday.standby_hours, 0)
        self.assertEqual(len(self.exceptions(machine, "equipment_unassigned")), 1)
        # dispatch assigns it afterwards: recomputed, the day goes to the job
        self.env["construction.equipment.assignment"].create(
            {
                "equipment_id": machine.id,
                "job_id": self.job.id,
                "date_start": datetime(2026, 11, 1),
            }
        )
        self.Usage._recompute(machine.ids, TUE, WED)
        self.assertFalse(wednesday.exists())
        wednesday = self.usage(machine, WED)
        self.assertEqual((wednesday.job_id, wednesday.state), (self.job, "ok"))

    def test_assignment_change_within_a_day(self):
        machine = self.machine("Test Usage Split", assigned=False)
        Assignment = self.env["construction.equipment.assignment"]
        first = Assignment.create(
            {
                "equipment_id": machine.id,
                "job_id": self.job.id,
                "date_start": datetime(2026, 11, 1),
                "date_end": at(WED, 12),
            }
        )
        second = Assignment.create(
            {
                "equipment_id": machine.id,
                "job_id": self.other_job.id,
                "date_start": at(WED, 12),
            }
        )
        self.send(machine, at(TUE, 17), operating_hours=100, idle_hours=10)
        self.send(machine, at(WED, 11), operating_hours=103, idle_hours=10.5)
        self.send(machine, at(WED, 16), operating_hours=106, idle_hours=11)
        morning, afternoon = self.usage(machine, WED)
        self.assertEqual((morning.assignment_id, morning.job_id), (first, self.job))
        self.assertEqual(
            (afternoon.assignment_id, afternoon.job_id), (second, self.other_job)
        )
        self.assertEqual(
            (morning.period_start, morning.period_end), (at(WED, 0), at(WED, 12))
        )
        self.assertAlmostEqual(morning.operating_hours, 3)
        self.assertAlmostEqual(afternoon.operating_hours, 3)
        self.assertAlmostEqual(afternoon.idle_hours, 0.5)
        # standby 8 - 6 - 1 = 1 h, shared by the time of each assignment
        self.assertAlmostEqual(morning.standby_hours, 0.5)
        self.assertAlmostEqual(afternoon.standby_hours, 0.5)

    # ------------------------------------------------------------ people
    def flagged(self, name):
        machine = self.machine(name)
        self.send(machine, at(TUE, 17), operating_hours=100)
        self.send(machine, at(WED, 17), operating_hours=3)
        self.send(machine, at(THU, 17), operating_hours=5)
        return machine, self.usage(machine, WED)

    def test_accept_by_a_manager(self):
        machine, usage = self.flagged("Test Usage Accept")
        exception = self.exceptions(machine, "usage_meter_drop")
        usage.with_user(self.manager).action_accept()
        self.assertEqual(usage.state, "accepted")
        self.assertEqual(usage.reviewed_by_id, self.manager)
        self.assertFalse(usage.corrected)
        self.assertIn(usage, self.Usage.search(self.Usage._costable_domain()))
        self.assertEqual(exception.state, "resolved")
        self.assertIn("Accepted as reported", exception.resolution_note)
        note = usage.message_ids.filtered(
            lambda m: "Accepted as reported" in (m.body or "")
        )
        self.assertEqual(note.author_id, self.manager.partner_id)
        # a later reading for the accepted day leaves it and opens an exception
        self.send(machine, at(WED, 20), operating_hours=4)
        usage.invalidate_recordset()
        self.assertEqual((usage.state, usage.operating_hours), ("accepted", 0))
        changed = self.exceptions(machine, "usage_changed_after_review")
        self.assertEqual(len(changed), 1)
        self.assertIn("Operating Hours 0.0 → 1.0", changed.description)

    def test_costed_day_is_never_rewritten(self):
        machine = self.machine("Test Usage Costed")
        code = self.env["construction.cost.code"].create(
            {"code": "T-USE-EQ", "name": "Equipment", "cost_type": "equipment"}
        )
        self.company.equipment_cost_code_id = code
        self.env["construction.equipment.rate"].create(
            [
                {
                    "equipment_id": machine.id,
                    "kind": kind,
                    "amount": 100,
                    "date_from": date(2026, 1, 1),
                }
                for kind in ("operating", "idle", "standby")
            ]
        )
        self.send(machine, at(TUE, 17), operating_hours=100, idle_hours=10)
        self.send(machine, at(WED, 17), operating_hours=106, idle_hours=11)
        usage = self.usage(machine, WED)
        costs = self.env["construction.equipment.cost"]._stage(WED, WED)
        self.assertEqual(costs.usage_id, usage)
        self.assertEqual(usage._costed(), usage)
        # a reading arriving late for the costed day changes nothing staged
        self.send(machine, at(WED, 20), operating_hours=108, idle_hours=11)
        usage.invalidate_recordset()
        self.assertEqual(usage.operating_hours, 6)
        self.assertEqual(len(self.exceptions(machine, "usage_changed_after_review")), 1)
        with self.assertRaises(UserError):
            usage.with_user(self.manager).action_open_correction()

    def test_correct_by_a_manager(self):
        machine, usage = self.flagged("Test Usage Correct")
        exception = self.exceptions(machine, "usage_meter_drop")
        action = usage.with_user(self.manager).action_open_correction()
        form = Form(
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(**action["context"])
        )
        self.assertEqual(form.operating_hours, 0)
        form.operating_hours = 7.5
        form.idle_hours = 0.5
        form.reason = "Operator's log: 7.5 h before the display was swapped."
        form.save().action_apply()
        self.assertEqual(
            (usage.state, usage.corrected, usage.operating_hours),
            ("accepted", True, 7.5),
        )
        self.assertEqual(usage.reported_operating_hours, 0)
        self.assertIn("display was swapped", usage.review_note)
        self.assertEqual(exception.state, "resolved")
        self.assertTrue(
            usage.message_ids.filtered(
                lambda m: "display was swapped" in (m.body or "")
            )
        )
        # a second correction of a reviewed day is refused
        with self.assertRaises(UserError):
            usage.with_user(self.manager)._correct(
                dict.fromkeys(
                    (
                        "operating_hours",
                        "idle_hours",
                        "pto_hours",
                        "fuel_used",
                        "distance",
                        "standby_hours",
                    ),
                    1.0,
                ),
                "again",
            )

    def test_correct_needs_a_reason(self):
        _machine, usage = self.flagged("Test Usage Reason")
        figures = dict.fromkeys(
            (
                "operating_hours",
                "idle_hours",
                "pto_hours",
                "fuel_used",
                "distance",
                "standby_hours",
            ),
            0.0,
        )
        with self.assertRaises(UserError):
            usage.with_user(self.manager)._correct(figures, "  ")
        self.assertEqual(usage.state, "flagged")

    def test_attacks(self):
        machine, usage = self.flagged("Test Usage Attack")
        ok = self.usage(machine, THU)
        self.assertEqual(ok.state, "ok")
        for user in (self.coordinator, self.service, self.manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    usage.with_user(user).write({"state": "accepted"})
                with self.assertRaises(AccessError):
                    ok.with_user(user).write({"operating_hours": 24})
                with self.assertRaises(AccessError):
                    self.Usage.with_user(user).create(
                        {
                            "equipment_id": machine.id,
                            "company_id": self.company.id,
                            "date": FRI,
                            "job_id": self.job.id,
                            "operating_hours": 24,
                        }
                    )
                with self.assertRaises(AccessError):
                    ok.with_user(user).unlink()
        for user in (self.coordinator, self.service):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    usage.with_user(user).action_accept()
                with self.assertRaises(AccessError):
                    self.env["construction.equipment.usage.correction"].with_user(
                        user
                    ).create(
                        {"usage_id": usage.id, "reason": "x", "operating_hours": 9}
                    )
                with self.assertRaises(AccessError):
                    self.env["construction.equipment.usage.recompute"].with_user(
                        user
                    ).create({}).action_recompute()
        # a manager accepts only what is flagged
        with self.assertRaises(UserError):
            ok.with_user(self.manager).action_accept()
        self.assertEqual((usage.state, ok.state), ("flagged", "ok"))

    def test_recompute_wizard(self):
        machine = self.machine("Test Usage Wizard")
        self.send(machine, at(TUE, 17), recompute=False, operating_hours=100)
        self.send(machine, at(WED, 17), recompute=False, operating_hours=106)
        self.assertFalse(self.usage(machine))
        wizard = (
            self.env["construction.equipment.usage.recompute"]
            .with_user(self.manager)
            .create({"date_from": TUE, "date_to": THU})
        )
        action = wizard.action_recompute()
        self.assertEqual(self.usage(machine, WED).operating_hours, 6)
        self.assertIn(self.usage(machine, WED).id, action["domain"][0][2])
        # the same again changes nothing
        before = self.usage(machine).mapped("write_date")
        wizard.action_recompute()
        self.assertEqual(self.usage(machine).mapped("write_date"), before)

    def test_multi_company_isolation(self):
        company_b = self.env["res.company"].create({"name": "Test Usage B"})
        manager_b = new_test_user(
            self.env,
            "use_manager_b",
            groups=f"base.group_user,{MANAGER}",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        machine_a = self.machine("Test Usage A")
        self.send(machine_a, at(TUE, 17), operating_hours=100)
        self.send(machine_a, at(WED, 17), operating_hours=1)
        usage_a = self.usage(machine_a, WED)
        self.assertEqual(usage_a.company_id, self.company)
        self.assertFalse(
            self.Usage.with_user(manager_b).search([("id", "=", usage_a.id)])
        )
        with self.assertRaises(AccessError):
            usage_a.with_user(manager_b).action_accept()
        self.assertFalse(
            self.env["construction.equipment.utilization"]
            .with_user(manager_b)
            .search([("equipment_id", "=", machine_a.id)])
        )
        # B's recompute of "every machine" touches none of A's
        usage_a.sudo().unlink()
        self.env["construction.equipment.usage.recompute"].with_user(manager_b).create(
            {"date_from": TUE, "date_to": WED}
        ).action_recompute()
        self.assertFalse(self.usage(machine_a, WED))

    def test_utilization_report(self):
        machine = self.machine("Test Usage Utilization")
        self.send(machine, at(TUE, 17), operating_hours=100, idle_hours=10)
        self.send(machine, at(WED, 17), operating_hours=106, idle_hours=11)
        self.send(machine, at(THU, 17), operating_hours=107, idle_hours=11)
        # Wednesday 6 + 1 + 1 standby, Thursday 1 + 0 + 7, Tuesday 0 + 0 + 8
        groups = self.env["construction.equipment.utilization"].read_group(
            [("equipment_id", "=", machine.id)],
            ["operating_hours:sum", "utilization:avg"],
            ["equipment_id"],
        )
        self.assertEqual(len(groups), 1)
        self.assertAlmostEqual(groups[0]["operating_hours"], 7)
        self.assertAlmostEqual(groups[0]["utilization"], 100 * 7 / 24)

    def test_settings(self):
        settings = self.env["res.config.settings"].create(
            {"equipment_standard_day_hours": 10.0}
        )
        settings.execute()
        self.assertEqual(self.company.equipment_standard_day_hours, 10.0)
        arch = settings.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("equipment_max_hours_per_day", arch)
        with self.assertRaises(ValidationError):
            self.company.equipment_max_hours_per_day = 30
