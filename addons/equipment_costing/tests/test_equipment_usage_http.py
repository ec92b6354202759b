import json
from datetime import date, datetime

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)

API = "/api/construction/v1"
# Tuesday 24 to Thursday 26 November 2026
DAYS = ["2026-11-24", "2026-11-25", "2026-11-26"]


def snapshot(machines, moment):
    """A JSON Fleet snapshot: ``machines`` is [(pin, operating, idle, fuel)]."""
    return json.dumps(
        {
            "Fleet": {
                "version": "1",
                "snapshotTime": moment,
                "Links": [],
                "Equipment": [
                    {
                        "EquipmentHeader": {"OEMName": "CAT", "PIN": pin},
                        "CumulativeOperatingHours": {"datetime": moment, "Hour": hours},
                        "CumulativeIdleHours": {"datetime": moment, "Hour": idle},
                        "FuelUsed": {
                            "datetime": moment,
                            "FuelUnits": "litre",
                            "FuelConsumed": fuel,
                        },
                    }
                    for pin, hours, idle, fuel in machines
                ],
            }
        }
    ).encode()


@tagged("post_install", "-at_install")
class TestEquipmentUsageOverHttp(FlowHttpMixin, HttpCase):
    """Snapshots posted to the hub's API become daily usage: the same snapshot
    twice or out of order gives the same days, once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the demo's queued traffic settles first
        perform_jobs(cls.env)
        cls.env.company.partner_id.tz = "UTC"
        cls.flow = cls.env.ref("equipment_costing.flow_telematics_aemp_snapshot")
        dispatch = cls.env.ref("equipment_costing.flow_equipment_assignment")
        cls.system, cls.key = make_system(
            cls.env,
            "usage_test",
            cls.flow | dispatch,
            groups=[
                "equipment_costing.group_equipment_user",
                "construction_project_sync.group_project_manager",
            ],
        )
        cls.job = cls.env["project.project"].create(
            {"name": "Test Usage Http", "is_job": True, "job_number": "T-USE-H"}
        )
        Equipment = cls.env["maintenance.equipment"]
        cls.in_order = Equipment.create({"name": "Test In Order", "pin": "T-USE-IN"})
        cls.late = Equipment.create({"name": "Test Out Of Order", "pin": "T-USE-OUT"})
        for machine in cls.in_order | cls.late:
            cls.env["construction.equipment.assignment"].create(
                {
                    "equipment_id": machine.id,
                    "job_id": cls.job.id,
                    "date_start": datetime(2026, 11, 1),
                }
            )
        cls.Usage = cls.env["construction.equipment.usage"]

    def ingest(self, body, key):
        response = self.url_open(
            f"{API}/flows/telematics.aemp_snapshot",
            data=body,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            },
        )
        self.assertEqual(response.status_code, 202, response.text)
        perform_jobs(self.env)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        message.invalidate_recordset()
        self.assertEqual(message.state, "done", message.error_message)
        return message

    def figures(self, machine):
        self.Usage.invalidate_model()
        return [
            (
                u.date,
                u.job_id,
                round(u.operating_hours, 2),
                round(u.idle_hours, 2),
                round(u.standby_hours, 2),
                round(u.fuel_used, 2),
                u.state,
            )
            for u in self.Usage.search([("equipment_id", "=", machine.id)])
        ]

    def test_twice_and_out_of_order(self):
        meters = [(100, 10, 5000), (106, 11, 5120), (107.5, 11.25, 5150)]

        def day_of(pin, index):
            hours, idle, fuel = meters[index]
            return snapshot([(pin, hours, idle, fuel)], f"{DAYS[index]}T16:00:00Z")

        for index in (0, 1, 2):
            self.ingest(day_of("T-USE-IN", index), f"in-{index}")
        for index in (2, 0, 1):
            self.ingest(day_of("T-USE-OUT", index), f"out-{index}")
        expected = [
            (date(2026, 11, 26), self.job, 1.5, 0.25, 6.25, 30.0, "ok"),
            (date(2026, 11, 25), self.job, 6.0, 1.0, 1.0, 120.0, "ok"),
            (date(2026, 11, 24), self.job, 0.0, 0.0, 8.0, 0.0, "ok"),
        ]
        self.assertEqual(self.figures(self.in_order), expected)
        self.assertEqual(self.figures(self.late), expected)
        # the same snapshot again, under a new key: nothing changes
        rows = self.Usage.search([("equipment_id", "=", self.late.id)])
        stamps = rows.mapped("write_date")
        message = self.ingest(day_of("T-USE-OUT", 1), "out-again")
        self.assertIn("0 new reading(s)", message.attempt_ids[-1:].error_message or "")
        self.assertEqual(self.Usage.search([("equipment_id", "=", self.late.id)]), rows)
        self.assertEqual(rows.mapped("write_date"), stamps)
        self.assertEqual(self.figures(self.late), expected)

    def test_reset_meter_raises_one_exception_through_the_message(self):
        pin = "T-USE-RESET"
        self.ingest(snapshot([(pin, 900, 50, 100)], f"{DAYS[0]}T16:00:00Z"), "r-0")
        message = self.ingest(
            snapshot([(pin, 2, 51, 150)], f"{DAYS[1]}T16:00:00Z"), "r-1"
        )
        machine = self.env["maintenance.equipment"].search([("pin", "=", pin)])
        flagged = self.Usage.search(
            [("equipment_id", "=", machine.id), ("state", "=", "flagged")]
        )
        # a machine nobody assigned, with a reset meter: both said, once each
        self.assertEqual(len(flagged), 1)
        self.assertIn("dropped from 900.0 to 2.0", flagged.flag_reason)
        self.assertIn("nobody assigned it", flagged.flag_reason)
        codes = message.exception_ids.mapped("reason_code")
        self.assertEqual(codes.count("usage_meter_drop"), 1)
        self.assertEqual(codes.count("equipment_unassigned"), 1)
        self.assertEqual(flagged.sudo().exception_ids, message.exception_ids)
        # the next day counts from the new meter; the drop is not raised again
        later = self.ingest(
            snapshot([(pin, 9, 51, 150)], f"{DAYS[2]}T16:00:00Z"), "r-2"
        )
        self.assertNotIn("usage_meter_drop", later.exception_ids.mapped("reason_code"))
        thursday = self.Usage.search(
            [("equipment_id", "=", machine.id), ("date", "=", date(2026, 11, 26))]
        )
        self.assertEqual(thursday.operating_hours, 7)

    def test_dispatch_assigning_afterwards_moves_the_days_to_the_job(self):
        pin = "T-USE-DISPATCH"
        self.ingest(snapshot([(pin, 50, 5, 10)], f"{DAYS[0]}T16:00:00Z"), "d-0")
        self.ingest(snapshot([(pin, 55, 6, 40)], f"{DAYS[1]}T16:00:00Z"), "d-1")
        machine = self.env["maintenance.equipment"].search([("pin", "=", pin)])
        wednesday = [("equipment_id", "=", machine.id), ("date", "=", DAYS[1])]
        usage = self.Usage.search(wednesday)
        self.assertEqual((usage.job_id.id, usage.state), (False, "flagged"))
        Mapping = self.env["integration.mapping"]
        Mapping._link(self.system, machine, "D-9")
        Mapping._link(self.system, self.job, "JOB-9")
        message = self.sync_flow(
            "equipment.assignment",
            {
                "external_id": "A-9",
                "equipment_external_id": "D-9",
                "job_external_id": "JOB-9",
                "start": "2026-11-20T06:00:00Z",
            },
            "d-assign",
        )
        self.assertEqual(message.state, "done", message.error_message)
        usage = self.Usage.search(wednesday)
        self.assertEqual((usage.job_id, usage.state), (self.job, "ok"))
        self.assertEqual(usage.operating_hours, 5)
