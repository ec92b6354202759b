from datetime import datetime

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)


@tagged("post_install", "-at_install")
class TestEquipmentFlowsOverHttp(FlowHttpMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flows = cls.env["integration.flow"].search(
            [("code", "in", ["equipment.upsert", "equipment.assignment"])]
        )
        cls.system, cls.key = make_system(
            cls.env,
            "dispatch_test",
            flows,
            groups=[
                "equipment_costing.group_equipment_user",
                "construction_project_sync.group_project_manager",
            ],
        )
        Mapping = cls.env["integration.mapping"]
        cls.job = cls.env["project.project"].create(
            {"name": "Test Quarry", "is_job": True, "job_number": "T-EQH-1"}
        )
        cls.other_job = cls.env["project.project"].create(
            {"name": "Test Bridge", "is_job": True, "job_number": "T-EQH-2"}
        )
        Mapping._link(cls.system, cls.job, "JOB-1")
        Mapping._link(cls.system, cls.other_job, "JOB-2")
        cls.phase = cls.env["construction.phase"].create(
            {"job_id": cls.other_job.id, "code": "20", "name": "Abutments"}
        )
        cls.operator = cls.env["hr.employee"].create(
            {"name": "Test Operator", "barcode": "TOP7"}
        )
        cls.Equipment = cls.env["maintenance.equipment"]
        # the demo's queued traffic (telematics snapshots that create machines)
        # settles first, so the tests count only what their own messages do
        perform_jobs(cls.env)
        cls.known = cls.Equipment.create(
            {
                "name": "Test Excavator",
                "oem_name": "CAT",
                "serial_no": "T-HTTP-1",
                "pin": "T-PIN-HTTP-1",
            }
        )

    def resolve(self, model, external_id):
        return self.env["integration.mapping"]._resolve(self.system, model, external_id)

    def test_equipment_upsert_links_a_known_machine_and_never_twice(self):
        payload = {
            "external_id": "D-100",
            "name": "Excavator 100",
            "equipment_number": "T-EX-100",
            "oem_name": "CAT",
            "serial_number": "T-HTTP-1",
            "pin": "missing",
        }
        count = self.Equipment.search_count([])
        message = self.sync_flow("equipment.upsert", payload, "eq-1")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.resolve("maintenance.equipment", "D-100"), self.known)
        self.assertEqual(self.known.equipment_number, "T-EX-100")
        self.assertEqual(self.known.pin, "T-PIN-HTTP-1", "a placeholder wipes nothing")
        # the same message again (same key), then the same content as a new message
        again = self.post_flow("equipment.upsert", payload, "eq-1")
        self.assertIn(again.status_code, (200, 202), again.text)
        self.assertEqual(again.json()["message_id"], message.id)
        self.assertEqual(
            self.sync_flow("equipment.upsert", payload, "eq-2").state, "done"
        )
        self.assertEqual(self.Equipment.search_count([]), count)

    def test_equipment_upsert_under_a_second_id_makes_no_twin(self):
        self.env["integration.mapping"]._link(self.system, self.known, "D-1")
        count = self.Equipment.search_count([])
        message = self.sync_flow(
            "equipment.upsert",
            {"external_id": "D-2", "name": "Twin", "pin": "T-PIN-HTTP-1"},
            "eq-5",
        )
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_code, "equipment_known_under_other_id")
        self.assertEqual(self.Equipment.search_count([]), count)

    def test_equipment_upsert_creates_a_rented_machine_without_telematics(self):
        vendor = self.env["res.partner"].create({"name": "Test Rentals"})
        self.env["integration.mapping"]._link(self.system, vendor, "V-1")
        message = self.sync_flow(
            "equipment.upsert",
            {
                "external_id": "D-200",
                "name": "Rented Crane",
                "ownership": "rented",
                "vendor_external_id": "V-1",
                "rental_rate_basis": "day",
                "rental_contract": "RC-1",
            },
            "eq-3",
        )
        self.assertEqual(message.state, "done", message.error_message)
        crane = self.resolve("maintenance.equipment", "D-200")
        self.assertEqual(crane.partner_id, vendor)
        self.assertEqual(crane.company_id, self.system.company_id)
        self.assertFalse(crane.pin or crane.created_from_telematics)
        self.assertEqual(message.lineage_ids.res_id, crane.id)

    def test_equipment_upsert_of_a_rental_without_vendor_fails_plainly(self):
        message = self.sync_flow(
            "equipment.upsert",
            {"external_id": "D-300", "name": "Lift", "ownership": "rented"},
            "eq-4",
        )
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_code, "business_rule")

    def test_assignment_flow_moves_the_machine_and_closes_the_open_one(self):
        self.env["integration.mapping"]._link(self.system, self.known, "D-1")
        first = self.sync_flow(
            "equipment.assignment",
            {
                "external_id": "A-1",
                "equipment_external_id": "D-1",
                "job_external_id": "JOB-1",
                "start": "2026-11-02T06:00:00Z",
            },
            "as-1",
        )
        self.assertEqual(first.state, "done", first.error_message)
        move = {
            "external_id": "A-2",
            "equipment_external_id": "D-1",
            "job_external_id": "JOB-2",
            "phase_code": "20",
            "operator_external_id": "TOP7",
            "start": "2026-11-09T07:30:00+01:00",
        }
        second = self.sync_flow("equipment.assignment", move, "as-2")
        self.assertEqual(second.state, "done", second.error_message)
        one = self.resolve("construction.equipment.assignment", "A-1")
        two = self.resolve("construction.equipment.assignment", "A-2")
        self.assertEqual(one.date_end, datetime(2026, 11, 9, 6, 30))
        self.assertEqual(two.date_start, datetime(2026, 11, 9, 6, 30))
        self.assertFalse(two.date_end)
        self.assertEqual((two.phase_id, two.employee_id), (self.phase, self.operator))
        self.assertEqual(self.known._assignment_at(datetime(2026, 11, 5)), one)
        self.assertEqual(self.known._assignment_at(datetime(2026, 12, 1)), two)
        self.assertIn(one.id, second.lineage_ids.mapped("res_id"))
        # dispatch sends the move again as a new message: nothing new
        self.assertEqual(
            self.sync_flow("equipment.assignment", move, "as-3").state, "done"
        )
        self.assertEqual(len(self.known.assignment_ids), 2)

    def test_assignment_before_the_open_one_is_refused(self):
        self.env["integration.mapping"]._link(self.system, self.known, "D-1")
        self.sync_flow(
            "equipment.assignment",
            {
                "external_id": "A-10",
                "equipment_external_id": "D-1",
                "job_external_id": "JOB-1",
                "start": "2026-11-10T06:00:00Z",
            },
            "as-10",
        )
        earlier = self.sync_flow(
            "equipment.assignment",
            {
                "external_id": "A-11",
                "equipment_external_id": "D-1",
                "job_external_id": "JOB-2",
                "start": "2026-11-03T06:00:00Z",
                "end": "2026-11-12T06:00:00Z",
            },
            "as-11",
        )
        self.assertEqual(earlier.state, "dead")
        self.assertEqual(earlier.error_code, "business_rule")
        self.assertEqual(len(self.known.assignment_ids), 1)

    def test_unknown_equipment_is_a_problem_the_sender_can_act_on(self):
        response = self.post_flow(
            "equipment.assignment",
            {"external_id": "A-20", "equipment_external_id": "D-1"},
            "as-20",
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertTrue(
            response.headers["Content-Type"].startswith("application/problem+json")
        )
        perform_jobs(self.env)
