from datetime import date, datetime

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

COORDINATOR = "equipment_costing.group_equipment_user"
APPROVER = "equipment_costing.group_equipment_manager"


@tagged("post_install", "-at_install")
class TestEquipmentAccess(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Test Equipment B"})

        def user(login, groups, company):
            return new_test_user(
                cls.env,
                login,
                groups=groups,
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
            )

        cls.coordinator = user(
            "eq_coord_a", f"base.group_user,{COORDINATOR}", cls.company_a
        )
        cls.approver = user(
            "eq_approver_a", f"base.group_user,{APPROVER}", cls.company_a
        )
        cls.internal = user("eq_internal_a", "base.group_user", cls.company_a)
        cls.pm = user(
            "eq_pm_a",
            "base.group_user,construction_project_sync.group_project_manager",
            cls.company_a,
        )
        Equipment = cls.env["maintenance.equipment"]
        cls.machine_a = Equipment.create(
            {"name": "Test Loader A", "company_id": cls.company_a.id}
        )
        cls.machine_b = Equipment.create(
            {"name": "Test Loader B", "company_id": cls.company_b.id}
        )
        cls.rate_a = cls.env["construction.equipment.rate"].create(
            {
                "equipment_id": cls.machine_a.id,
                "kind": "operating",
                "amount": 80,
                "date_from": date(2026, 1, 1),
            }
        )
        cls.job_a = cls.env["project.project"].create(
            {"name": "Test Job A", "is_job": True, "job_number": "T-EQA-1"}
        )

    def test_coordinator_of_company_a_cannot_read_company_b_equipment(self):
        Equipment = self.env["maintenance.equipment"].with_user(self.coordinator)
        self.assertIn(self.machine_a, Equipment.search([]))
        self.assertNotIn(self.machine_b, Equipment.search([]))
        with self.assertRaises(AccessError):
            self.machine_b.with_user(self.coordinator).read(["name"])
        # asking for company B in the context unlocks nothing
        with self.assertRaises(AccessError):
            self.machine_b.with_user(self.coordinator).with_context(
                allowed_company_ids=self.company_b.ids
            ).read(["name"])

    def test_coordinator_sees_the_whole_fleet_of_the_company(self):
        # maintenance alone shows an internal user only the machines they follow
        self.assertIn(
            self.machine_a,
            self.env["maintenance.equipment"].with_user(self.pm).search([]),
        )
        with self.assertRaises(AccessError):
            self.machine_a.with_user(self.pm).write({"name": "renamed by a PM"})
        self.machine_a.with_user(self.coordinator).write({"equipment_number": "T-A1"})

    def test_plain_internal_user_cannot_write_rates(self):
        with self.assertRaises(AccessError):
            self.rate_a.with_user(self.internal).write({"amount": 1})
        with self.assertRaises(AccessError):
            self.env["construction.equipment.rate"].with_user(self.internal).create(
                {
                    "equipment_id": self.machine_a.id,
                    "kind": "idle",
                    "amount": 1,
                    "date_from": date(2026, 1, 1),
                }
            )

    def test_only_the_approver_sets_rates(self):
        # rates make cost: the coordinator who dispatches machines reads them only
        with self.assertRaises(AccessError):
            self.rate_a.with_user(self.coordinator).write({"amount": 1})
        with self.assertRaises(AccessError):
            self.rate_a.with_user(self.pm).write({"amount": 1})
        self.assertEqual(self.rate_a.with_user(self.pm).amount, 80)
        self.rate_a.with_user(self.approver).write({"amount": 85})
        self.assertEqual(self.rate_a.amount, 85)

    def test_assignments_by_coordinator_not_by_project_manager(self):
        vals = {
            "equipment_id": self.machine_a.id,
            "job_id": self.job_a.id,
            "date_start": datetime(2026, 11, 1, 6),
        }
        Assignment = self.env["construction.equipment.assignment"]
        with self.assertRaises(AccessError):
            Assignment.with_user(self.pm).create(vals)
        with self.assertRaises(AccessError):
            Assignment.with_user(self.internal).create(vals)
        assignment = Assignment.with_user(self.coordinator).create(vals)
        self.assertEqual(assignment.with_user(self.pm).job_id, self.job_a)

    def test_rates_and_assignments_of_company_b_hidden(self):
        job_b = self.env["project.project"].create(
            {
                "name": "Test Job B",
                "is_job": True,
                "job_number": "T-EQB-1",
                "company_id": self.company_b.id,
            }
        )
        rate_b = self.env["construction.equipment.rate"].create(
            {
                "equipment_id": self.machine_b.id,
                "kind": "operating",
                "amount": 70,
                "date_from": date(2026, 1, 1),
            }
        )
        assignment_b = self.env["construction.equipment.assignment"].create(
            {
                "equipment_id": self.machine_b.id,
                "job_id": job_b.id,
                "date_start": datetime(2026, 11, 1),
            }
        )
        with self.assertRaises(AccessError):
            rate_b.with_user(self.approver).read(["amount"])
        # nor can a coordinator of A put a machine on B's job by its id
        with self.assertRaises(AccessError):
            self.env["construction.equipment.assignment"].with_user(
                self.coordinator
            ).create(
                {
                    "equipment_id": self.machine_a.id,
                    "job_id": job_b.id,
                    "date_start": datetime(2026, 12, 1),
                }
            )
        with self.assertRaises(AccessError):
            assignment_b.with_user(self.coordinator).read(["job_id"])
