from datetime import datetime

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

COORDINATOR = "equipment_costing.group_equipment_user"
APPROVER = "equipment_costing.group_equipment_manager"


@tagged("post_install", "-at_install")
class TestEquipmentReadingAccess(TransactionCase):
    """Readings come from the telematics flow only: people read them, in their
    companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Test Readings B"})

        def user(login, groups, company):
            return new_test_user(
                cls.env,
                login,
                groups=groups,
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
            )

        cls.internal = user("rd_internal_a", "base.group_user", cls.company_a)
        cls.coordinator = user(
            "rd_coord_a", f"base.group_user,{COORDINATOR}", cls.company_a
        )
        cls.approver = user(
            "rd_approver_a", f"base.group_user,{APPROVER}", cls.company_a
        )
        cls.coordinator_b = user(
            "rd_coord_b", f"base.group_user,{COORDINATOR}", cls.company_b
        )
        cls.machine_a = cls.env["maintenance.equipment"].create(
            {"name": "Test Dozer A", "company_id": cls.company_a.id}
        )
        cls.vals = {
            "equipment_id": cls.machine_a.id,
            "company_id": cls.company_a.id,
            "kind": "operating_hours",
            "value": 100.0,
            "unit": "h",
            "reading_datetime": datetime(2026, 11, 30, 6, 0),
        }
        cls.reading_a = cls.env["construction.equipment.reading"].create(cls.vals)

    def test_people_cannot_create_readings(self):
        vals = dict(self.vals, value=101.0)
        for user in (self.internal, self.coordinator, self.approver):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["construction.equipment.reading"].with_user(user).create(vals)

    def test_people_cannot_change_or_delete_readings(self):
        for user in (self.coordinator, self.approver):
            reading = self.reading_a.with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    reading.write({"value": 1.0, "state": "ok"})
                with self.assertRaises(AccessError):
                    reading.unlink()

    def test_plain_user_cannot_read_readings(self):
        with self.assertRaises(AccessError):
            self.reading_a.with_user(self.internal).read(["value"])

    def test_coordinator_reads_own_company_only(self):
        Reading = self.env["construction.equipment.reading"]
        self.assertIn(self.reading_a, Reading.with_user(self.coordinator).search([]))
        self.assertNotIn(
            self.reading_a, Reading.with_user(self.coordinator_b).search([])
        )
        with self.assertRaises(AccessError):
            self.reading_a.with_user(self.coordinator_b).read(["value"])
