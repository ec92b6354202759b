from datetime import date, datetime

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestEquipmentMaster(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.machine = cls.env["maintenance.equipment"].create(
            {"name": "Test Dozer", "equipment_number": "T-DZ-1"}
        )
        cls.job = cls.env["project.project"].create(
            {"name": "Test Yard", "is_job": True, "job_number": "T-EQ-1"}
        )
        cls.other_job = cls.env["project.project"].create(
            {"name": "Test Road", "is_job": True, "job_number": "T-EQ-2"}
        )

    def rate(self, kind, amount, date_from, date_to=None):
        return self.env["construction.equipment.rate"].create(
            {
                "equipment_id": self.machine.id,
                "kind": kind,
                "amount": amount,
                "date_from": date_from,
                "date_to": date_to,
            }
        )

    def assign(self, job, start, end=None):
        return self.env["construction.equipment.assignment"].create(
            {
                "equipment_id": self.machine.id,
                "job_id": job.id,
                "date_start": start,
                "date_end": end,
            }
        )

    def test_overlapping_rates_of_a_kind_refused(self):
        self.rate("operating", 90, date(2026, 1, 1))
        with self.assertRaises(ValidationError):
            self.rate("operating", 95, date(2026, 6, 1))
        # another kind over the same days is fine
        self.rate("idle", 35, date(2026, 1, 1))

    def test_a_closed_rate_gives_way_and_rate_at_picks_the_valid_one(self):
        first = self.rate("operating", 90, date(2026, 1, 1), date(2026, 5, 31))
        with self.assertRaises(ValidationError):
            self.rate("operating", 95, date(2026, 5, 31))
        second = self.rate("operating", 95, date(2026, 6, 1))
        idle = self.rate("idle", 35, date(2026, 1, 1))
        self.assertEqual(self.machine._rate_at(date(2026, 3, 1), "operating"), first)
        self.assertEqual(self.machine._rate_at(date(2026, 7, 1), "operating"), second)
        self.assertEqual(self.machine._rate_at(date(2026, 7, 1)), second | idle)
        self.assertFalse(self.machine._rate_at(date(2025, 12, 31)))

    def test_overlapping_assignments_refused(self):
        self.assign(self.job, datetime(2026, 11, 1, 6), datetime(2026, 11, 10, 6))
        with self.assertRaises(ValidationError):
            self.assign(self.other_job, datetime(2026, 11, 9, 6))
        # back to back is no overlap
        self.assign(self.other_job, datetime(2026, 11, 10, 6))
        # an open-ended assignment blocks everything after its start
        with self.assertRaises(ValidationError):
            self.assign(self.job, datetime(2027, 1, 1), datetime(2027, 1, 2))

    def test_assignment_at(self):
        first = self.assign(
            self.job, datetime(2026, 11, 1, 6), datetime(2026, 11, 10, 6)
        )
        second = self.assign(self.other_job, datetime(2026, 11, 10, 6))
        at = self.machine._assignment_at
        self.assertEqual(at(datetime(2026, 11, 5)), first)
        self.assertEqual(at(datetime(2026, 11, 10, 6)), second)
        self.assertEqual(at(datetime(2027, 3, 1)), second)
        self.assertFalse(at(datetime(2026, 10, 31)))

    def test_assignment_phase_of_another_job_refused(self):
        phase = self.env["construction.phase"].create(
            {"job_id": self.other_job.id, "code": "10", "name": "Earthworks"}
        )
        with self.assertRaises(ValidationError):
            self.env["construction.equipment.assignment"].create(
                {
                    "equipment_id": self.machine.id,
                    "job_id": self.job.id,
                    "phase_id": phase.id,
                    "date_start": datetime(2026, 11, 1),
                }
            )

    def test_rented_machine_needs_vendor_and_basis(self):
        with self.assertRaises(ValidationError):
            self.env["maintenance.equipment"].create(
                {"name": "Rented Lift", "ownership": "rented"}
            )
        vendor = self.env["res.partner"].create({"name": "Lift Rentals"})
        lift = self.env["maintenance.equipment"].create(
            {
                "name": "Rented Lift",
                "ownership": "rented",
                "partner_id": vendor.id,
                "rental_rate_basis": "week",
            }
        )
        self.assertFalse(lift.pin)

    @mute_logger("odoo.sql_db")
    def test_equipment_number_unique_per_company(self):
        with self.assertRaises(Exception):  # noqa: B017 - psycopg2 IntegrityError
            with self.env.cr.savepoint():
                self.env["maintenance.equipment"].create(
                    {"name": "Twin", "equipment_number": "T-DZ-1"}
                )
