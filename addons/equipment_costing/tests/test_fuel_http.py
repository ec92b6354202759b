from datetime import date, datetime

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)


@tagged("post_install", "-at_install")
class TestFuelFlowOverHttp(FlowHttpMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flow = cls.env["integration.flow"].search([("code", "=", "fuel.transaction")])
        cls.system, cls.key = make_system(
            cls.env,
            "fuelcard_test",
            flow,
            groups=["equipment_costing.group_equipment_user"],
        )
        # the demo's queued traffic settles first
        perform_jobs(cls.env)
        cls.job = cls.env["project.project"].create(
            {"name": "Test Pit", "is_job": True, "job_number": "T-FUEL-J1"}
        )
        cls.other_job = cls.env["project.project"].create(
            {"name": "Test Ramp", "is_job": True, "job_number": "T-FUEL-J2"}
        )
        cls.env["integration.mapping"]._link(cls.system, cls.other_job, "JOB-2")
        cls.cost_code = cls.env["construction.cost.code"].create(
            {"code": "T-FUEL-31", "name": "Haul", "cost_type": "equipment"}
        )
        cls.loader = cls.env["maintenance.equipment"].create(
            {
                "name": "Test Loader",
                "equipment_number": "T-FUEL-L1",
                "pin": "T-FUEL-PIN-1",
            }
        )
        cls.assignment = cls.env["construction.equipment.assignment"].create(
            {
                "equipment_id": cls.loader.id,
                "job_id": cls.job.id,
                "cost_code_id": cls.cost_code.id,
                "date_start": datetime(2026, 11, 1, 6),
            }
        )
        cls.Fuel = cls.env["construction.equipment.fuel"]

    def payload(self, **values):
        """A transaction; a value None leaves the key out."""
        payload = {
            "transaction_id": "TX-1001",
            "equipment_number": "T-FUEL-L1",
            "datetime": "2026-11-03T14:20:00Z",
            "litres": 210,
            "amount": 336.0,
            "currency": self.env.company.currency_id.name,
            "location": "Yard tank 2",
            **values,
        }
        return {key: value for key, value in payload.items() if value is not None}

    def test_sent_twice_is_one_transaction_costed_once(self):
        first = self.sync_flow("fuel.transaction", self.payload(), "fuel-1")
        self.assertEqual(first.state, "done", first.error_message)
        fuel = self.Fuel.search([("transaction_ref", "=", "TX-1001")])
        self.assertEqual(len(fuel), 1)
        self.assertEqual(fuel.system_id, self.system)
        self.assertEqual(fuel.job_id, self.job)
        self.assertEqual(fuel.assignment_id, self.assignment)
        self.assertEqual(fuel.cost_code_id, self.cost_code)
        self.assertEqual(fuel.transaction_datetime, datetime(2026, 11, 3, 14, 20))
        self.assertEqual(first.lineage_ids.res_id, fuel.id)
        # the same transaction under another key: stored once
        again = self.sync_flow("fuel.transaction", self.payload(), "fuel-2")
        self.assertEqual(again.state, "done", again.error_message)
        self.assertEqual(
            self.Fuel.search_count([("transaction_ref", "=", "TX-1001")]), 1
        )
        cost = self.env["construction.equipment.cost"]._stage(
            date(2026, 11, 3), date(2026, 11, 3), machines=self.loader
        )
        self.assertEqual((cost.quantity, cost.rate, cost.amount), (210, 1.6, 336))
        self.assertEqual(cost.job_id, self.job)

    def test_named_job_and_telematics_identity(self):
        message = self.sync_flow(
            "fuel.transaction",
            self.payload(
                transaction_id="TX-1002",
                equipment_number=None,
                pin="T-FUEL-PIN-1",
                job_external_id="JOB-2",
            ),
            "fuel-3",
        )
        self.assertEqual(message.state, "done", message.error_message)
        fuel = self.Fuel.search([("transaction_ref", "=", "TX-1002")])
        self.assertEqual(fuel.equipment_id, self.loader)
        self.assertEqual(fuel.job_id, self.other_job)
        self.assertFalse(fuel.assignment_id)

    def test_unassigned_fuel_is_kept_and_raised(self):
        message = self.sync_flow(
            "fuel.transaction",
            self.payload(transaction_id="TX-1003", datetime="2026-10-01T08:00:00Z"),
            "fuel-4",
        )
        self.assertEqual(message.state, "done", message.error_message)
        fuel = self.Fuel.search([("transaction_ref", "=", "TX-1003")])
        self.assertFalse(fuel.job_id)
        exception = self.env["integration.exception"].search(
            [("message_id", "=", message.id)]
        )
        self.assertEqual(exception.reason_code, "fuel_unassigned")
        self.assertEqual((exception.res_model, exception.res_id), (fuel._name, fuel.id))

    def test_bad_input_is_a_clear_error(self):
        for index, bad in enumerate(
            (
                self.payload(litres=0),
                self.payload(currency="euro"),
                {"transaction_id": "TX-9", "datetime": "2026-11-03T14:20:00Z"},
                self.payload(equipment_number=None),
            )
        ):
            response = self.post_flow("fuel.transaction", bad, f"bad-{index}")
            self.assertEqual(response.status_code, 422, bad)
        unknown = self.sync_flow(
            "fuel.transaction",
            self.payload(transaction_id="TX-1004", equipment_number="NOPE"),
            "fuel-5",
        )
        self.assertEqual(unknown.error_code, "unknown_equipment")
        self.assertFalse(self.Fuel.search([("transaction_ref", "=", "TX-1004")]))
