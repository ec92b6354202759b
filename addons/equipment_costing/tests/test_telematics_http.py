import json
from datetime import datetime
from pathlib import Path

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import make_system, perform_jobs

API = "/api/construction/v1"
FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name):
    return (FIXTURES / name).read_bytes()


def one_meter(pin, hours, moment):
    """A JSON Fleet snapshot of one machine and its hour meter."""
    return {
        "Fleet": {
            "version": "1",
            "snapshotTime": moment,
            "Links": [],
            "Equipment": [
                {
                    "EquipmentHeader": {"OEMName": "CAT", "PIN": pin},
                    "CumulativeOperatingHours": {"datetime": moment, "Hour": hours},
                }
            ],
        }
    }


@tagged("post_install", "-at_install")
class TestTelematicsOverHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.flow = cls.env.ref("equipment_costing.flow_telematics_aemp_snapshot")
        cls.system, cls.key = make_system(
            cls.env,
            "telematics_test",
            cls.flow,
            groups=["equipment_costing.group_equipment_user"],
        )
        cls.Equipment = cls.env["maintenance.equipment"]
        cls.Reading = cls.env["construction.equipment.reading"]
        # the CAT excavator of the ISO fixture, known by its PIN, on a job
        cls.excavator = cls.Equipment.create(
            {"name": "Test Excavator 336", "pin": "CAT0336XKE1234"}
        )
        cls.job = cls.env["project.project"].create(
            {"name": "Test Quarry", "is_job": True, "job_number": "T-TEL-1"}
        )
        cls.assignment = cls.env["construction.equipment.assignment"].create(
            {
                "equipment_id": cls.excavator.id,
                "job_id": cls.job.id,
                "date_start": datetime(2026, 11, 1),
            }
        )

    def post(self, body, key, content_type="application/xml"):
        return self.url_open(
            f"{API}/flows/telematics.aemp_snapshot",
            data=body,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": content_type,
                "Idempotency-Key": key,
            },
        )

    def ingest(self, body, key, content_type="application/xml"):
        response = self.post(body, key, content_type)
        self.assertEqual(response.status_code, 202, response.text)
        perform_jobs(self.env)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        message.invalidate_recordset()
        self.assertEqual(message.state, "done", message.error_message)
        return message

    def readings(self, equipment, kind=None):
        domain = [("equipment_id", "=", equipment.id)]
        if kind:
            domain.append(("kind", "=", kind))
        return self.Reading.search(domain)

    def by_pin(self, pin):
        return self.Equipment.search([("pin", "=", pin)])

    def test_iso_snapshot_matches_creates_and_stores_once(self):
        message = self.ingest(fixture("fleet_iso_attributes.xml"), "iso-1")
        self.assertTrue(message.raw_body.startswith("<?xml"))
        self.assertEqual(len(self.readings(self.excavator)), 10)
        self.assertFalse(self.excavator.created_from_telematics)
        self.assertEqual(self.excavator.oem_name, "CAT", "identities learnt")
        hours = self.readings(self.excavator, "operating_hours")
        self.assertEqual(
            (hours.value, hours.reading_datetime, hours.job_id, hours.state),
            (1234.5, datetime(2026, 11, 30, 5, 58), self.job, "ok"),
        )
        self.assertEqual(hours.assignment_id, self.assignment)
        self.assertEqual((hours.system_id, hours.message_id), (self.system, message))
        location = self.readings(self.excavator, "location")
        self.assertEqual((location.latitude, location.longitude), (47.3769, 8.5417))
        loader = self.by_pin("VCEL120HV00012345")
        self.assertTrue(loader.created_from_telematics)
        fuel = self.readings(loader, "fuel_used")
        self.assertAlmostEqual(fuel.value, 3785.411784)
        self.assertEqual((fuel.unit, fuel.unit_given), ("l", "gallon"))
        crane = self.Equipment.search([("serial_no", "=", "LH106012")])
        self.assertEqual(len(crane), 1)
        # lineage: the machines and the readings of the message
        response = self.url_open(
            f"{API}/messages/{message.id}",
            headers={"Authorization": f"Bearer {self.key}"},
        )
        records = response.json()["records"]
        machines = {
            (r["id"], r["action"])
            for r in records
            if r["model"] == "maintenance.equipment"
        }
        self.assertEqual(
            machines,
            {
                (self.excavator.id, "linked"),
                (loader.id, "created"),
                (crane.id, "created"),
            },
        )
        linked = {
            r["id"] for r in records if r["model"] == "construction.equipment.reading"
        }
        self.assertEqual(len(linked), 15)
        # the same snapshot again, as a new message: nothing new
        count = self.Reading.search_count([])
        machines_count = self.Equipment.search_count([])
        again = self.ingest(fixture("fleet_iso_attributes.xml"), "iso-2")
        self.assertEqual(self.Reading.search_count([]), count)
        self.assertEqual(self.Equipment.search_count([]), machines_count)
        self.assertIn(
            "0 new reading(s), 15 already stored",
            again.attempt_ids.sorted("number")[-1:].error_message or "",
        )

    def test_each_reading_takes_its_own_machines_assignment_at_its_time(self):
        """A snapshot of several machines: a reading's job is the assignment of its
        machine valid when it was taken, never another machine's."""
        Assignment = self.env["construction.equipment.assignment"]
        other_job = self.env["project.project"].create(
            {"name": "Test Quarry 2", "is_job": True, "job_number": "T-TEL-2"}
        )
        moved, steady = (
            self.Equipment.create({"name": f"Test Loader {pin}", "pin": pin})
            for pin in ("T-TEL-ROWS-1", "T-TEL-ROWS-2")
        )
        before, after, steady_on = Assignment.create(
            [
                {
                    "equipment_id": moved.id,
                    "job_id": self.job.id,
                    "date_start": datetime(2026, 11, 1),
                    "date_end": datetime(2026, 11, 20),
                },
                {
                    "equipment_id": moved.id,
                    "job_id": other_job.id,
                    "date_start": datetime(2026, 11, 20),
                },
                {
                    "equipment_id": steady.id,
                    "job_id": other_job.id,
                    "date_start": datetime(2026, 11, 1),
                },
            ]
        )

        def entry(pin, hours_at, idle_at):
            return {
                "EquipmentHeader": {"OEMName": "CAT", "PIN": pin},
                "CumulativeOperatingHours": {"datetime": hours_at, "Hour": 10},
                "CumulativeIdleHours": {"datetime": idle_at, "Hour": 2},
            }

        snapshot = {
            "Fleet": {
                "version": "1",
                "snapshotTime": "2026-11-25T06:00:00Z",
                "Links": [],
                "Equipment": [
                    # hours read before the move, idle after it
                    entry(
                        "T-TEL-ROWS-1", "2026-11-19T06:00:00Z", "2026-11-25T06:00:00Z"
                    ),
                    entry(
                        "T-TEL-ROWS-2", "2026-11-19T06:00:00Z", "2026-11-25T06:00:00Z"
                    ),
                    entry(
                        "T-TEL-ROWS-3", "2026-11-19T06:00:00Z", "2026-11-25T06:00:00Z"
                    ),
                ],
            }
        }
        self.ingest(json.dumps(snapshot).encode(), "rows-1", "application/json")
        unknown = self.by_pin("T-TEL-ROWS-3")
        found = {
            (reading.equipment_id, reading.kind): (
                reading.assignment_id,
                reading.job_id,
                reading.state,
            )
            for reading in self.Reading.search(
                [("equipment_id", "in", (moved | steady | unknown).ids)]
            )
        }
        Project = self.env["project.project"]
        self.assertEqual(
            found,
            {
                (moved, "operating_hours"): (before, self.job, "ok"),
                (moved, "idle_hours"): (after, other_job, "ok"),
                (steady, "operating_hours"): (steady_on, other_job, "ok"),
                (steady, "idle_hours"): (steady_on, other_job, "ok"),
                (unknown, "operating_hours"): (Assignment, Project, "suspect"),
                (unknown, "idle_hours"): (Assignment, Project, "suspect"),
            },
        )

    def test_unassigned_readings_are_kept_and_raised(self):
        message = self.ingest(fixture("fleet_iso_attributes.xml"), "iso-unassigned")
        loader = self.by_pin("VCEL120HV00012345")
        readings = self.readings(loader)
        self.assertEqual(len(readings), 4)
        self.assertEqual(set(readings.mapped("state")), {"suspect"})
        self.assertFalse(readings.job_id)
        exceptions = message.exception_ids.filtered(
            lambda e: e.reason_code == "equipment_unassigned"
        )
        # one per machine used where nobody assigned it (the loader and the crane)
        self.assertEqual(len(exceptions), 2)
        self.assertIn(loader, self.Equipment.browse(exceptions.mapped("res_id")))
        self.assertIn("nobody assigned it", exceptions[0].description)

    def test_jcma_snapshot(self):
        self.ingest(fixture("fleet_jcma_children.xml"), "jcma-1")
        komatsu = self.by_pin("KMTPC210V01077")
        self.assertEqual(komatsu.oem_name, "Komatsu")
        distance = self.readings(komatsu, "distance")
        self.assertEqual((distance.value, distance.unit_given), (12.5, "meter"))
        fuel = self.readings(komatsu, "fuel_used")
        self.assertEqual((fuel.value, fuel.unit), (5012.5, "l"))
        hours = self.readings(komatsu, "operating_hours")
        self.assertEqual(hours.value, 233.7)
        self.assertEqual(
            hours.reading_datetime, datetime(2026, 11, 30, 5, 58, 10, 123000)
        )
        location = self.readings(komatsu, "location")
        self.assertTrue(location.latitude and location.longitude)

    def test_json_snapshots(self):
        self.ingest(fixture("fleet.json"), "json-1", "application/json")
        self.assertEqual(len(self.readings(self.excavator)), 6)
        self.ingest(fixture("fleet_lowercase.json"), "json-2", "application/json")
        self.assertTrue(self.readings(self.by_pin("CAT0336XKE1234")))

    def test_time_series_page(self):
        message = self.ingest(fixture("operating_hours_page.xml"), "ts-1")
        readings = self.Reading.search([("message_id", "=", message.id)])
        self.assertTrue(readings)
        self.assertEqual(set(readings.mapped("kind")), {"operating_hours"})

    def test_json_time_series_page(self):
        message = self.ingest(
            fixture("locations_page.json"), "ts-json-1", "application/json"
        )
        komatsu = self.Equipment.search([("serial_no", "=", "KMTPC210V01077")])
        locations = self.readings(komatsu, "location")
        self.assertEqual(
            sorted(locations.mapped("latitude")), [35.6762, 35.677], message.payload
        )

    def test_readings_out_of_order_are_stored(self):
        pin = "T-TEL-ORDER-1"
        self.ingest(
            json.dumps(one_meter(pin, 110.0, "2026-11-30T10:00:00Z")).encode(),
            "order-1",
            "application/json",
        )
        self.ingest(
            json.dumps(one_meter(pin, 100.0, "2026-11-29T10:00:00Z")).encode(),
            "order-2",
            "application/json",
        )
        readings = self.readings(self.by_pin(pin))
        self.assertEqual(readings.mapped("value"), [110.0, 100.0])
        # the later one once more, as another message: stored once
        self.ingest(
            json.dumps(one_meter(pin, 110.0, "2026-11-30T10:00:00Z")).encode(),
            "order-3",
            "application/json",
        )
        self.assertEqual(len(self.readings(self.by_pin(pin))), 2)

    def test_malformed_document_is_rejected_and_replayable(self):
        count = self.Reading.search_count([])
        response = self.post(fixture("fleet_malformed.txt"), "bad-1")
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/problem+json")
        body = response.json()
        self.assertEqual(body["code"], "document_not_parsable")
        message = self.env["integration.message"].browse(body["message_id"])
        self.assertEqual(message.state, "rejected")
        self.assertTrue(message.raw_body)
        with self.assertRaises(UserError):
            message.action_replay()
        self.assertEqual(self.Reading.search_count([]), count)
        # the corrected document under the same key takes its place
        fixed = self.ingest(fixture("fleet_jcma_children.xml"), "bad-1")
        self.assertEqual(fixed, message)
        self.assertGreater(self.Reading.search_count([]), count)

    def test_parsed_form_with_an_unknown_kind_is_refused(self):
        payload = {
            "snapshot_time": None,
            "version": "1",
            "links": {},
            "equipment": [
                {
                    "header": {"pin": "T-TEL-KIND-1"},
                    "readings": [
                        {
                            "kind": "salary",
                            "value": 1e9,
                            "unit": "h",
                            "datetime": "2026-11-30T10:00:00Z",
                        }
                    ],
                }
            ],
        }
        response = self.post(json.dumps(payload).encode(), "kind-1", "application/json")
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(response.json()["code"], "schema_validation_failed")
        self.assertFalse(self.by_pin("T-TEL-KIND-1"))
