import base64
import json
from datetime import datetime, timedelta

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)

API = "/api/construction/v1"
PROJECT_USER = "base.group_user,project.group_project_user"


@tagged("post_install", "-at_install")
class TestWorkOrdersOverHttp(FlowHttpMixin, HttpCase):
    """work_order.upsert and work_order.status through the real API, the GET route,
    and the controls around a work order's status."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        flows = env.ref("construction_project_sync.flow_work_order_upsert") | env.ref(
            "construction_project_sync.flow_work_order_status"
        )
        groups = [
            "base.group_partner_manager",
            "construction_project_sync.group_project_manager",
        ]
        cls.system, cls.key = make_system(env, "fieldsvc_test", flows, groups=groups)
        cls.other_system, cls.other_key = make_system(
            env, "fieldsvc_other", flows, groups=groups
        )
        cls.job = env["project.project"].create(
            {"name": "Depot", "is_job": True, "job_number": "WO-001"}
        )
        cls.phase = env["construction.phase"].create(
            {"job_id": cls.job.id, "code": "20", "name": "Electrical"}
        )
        cls.cost_code = env["construction.cost.code"].create(
            {"code": "WO-26000", "name": "Electrical", "cost_type": "labor"}
        )
        cls.tech_user = new_test_user(env, "wo_tech", groups=PROJECT_USER)
        cls.tech = env["hr.employee"].create(
            {"name": "Tech One", "user_id": cls.tech_user.id}
        )
        cls.helper = env["hr.employee"].create(
            {"name": "Helper Two", "barcode": "WOBADGE2"}
        )
        cls.customer = env["res.partner"].create({"name": "Depot Owner"})
        mapping = env["integration.mapping"]
        mapping._link(cls.system, cls.job, "JOB-WO")
        mapping._link(cls.system, cls.tech, "TECH-1")
        mapping._link(cls.system, cls.customer, "CUST-1")
        cls.planner = new_test_user(env, "wo_planner", groups=PROJECT_USER)

    # ------------------------------------------------------------------ helpers
    def upsert(self, key, **values):
        payload = {
            "external_id": "WO-1",
            "job_external_id": "JOB-WO",
            "title": "Replace panel",
            "phase_code": "20",
            "cost_code": "WO-26000",
            "site": "Building B, room 12",
            "scheduled_start": "2026-12-03T07:00:00Z",
            "scheduled_end": "2026-12-03T11:00:00Z",
            "crew_external_ids": ["TECH-1", "WOBADGE2"],
            "customer_contact_external_id": "CUST-1",
            "billable": True,
            **values,
        }
        message = self.sync_flow("work_order.upsert", payload, key)
        self.assertEqual(message.state, "done", message.error_message)
        return message

    def status(self, key, status, time, device="dev-A", **values):
        payload = {
            "work_order_external_id": "WO-1",
            "status": status,
            "event_time": time,
            "device_id": device,
            "technician_external_id": "TECH-1",
            **values,
        }
        message = self.sync_flow("work_order.status", payload, key)
        self.assertEqual(message.state, "done", message.error_message)
        return message

    def task(self):
        return self.env["integration.mapping"]._resolve(
            self.system, "project.task", "WO-1"
        )

    def get(self, ref, key=None):
        return self.url_open(
            f"{API}/work-orders/{ref}",
            headers={"Authorization": f"Bearer {key or self.key}"},
        )

    def note(self, message):
        """What processing noted on the message (kept on its attempt)."""
        return "\n".join(filter(None, message.attempt_ids.mapped("error_message")))

    def outcomes(self, task):
        task.invalidate_recordset()
        return sorted(
            (str(e.event_time), e.status, e.outcome) for e in task.work_order_event_ids
        )

    # ------------------------------------------------------------------ tests
    def test_upsert_creates_then_updates(self):
        self.upsert("u1")
        task = self.task()
        self.assertTrue(task.is_work_order)
        self.assertEqual(task.project_id, self.job)
        self.assertEqual(task.construction_phase_id, self.phase)
        self.assertEqual(task.cost_code_id, self.cost_code)
        self.assertEqual(task.crew_ids, self.tech | self.helper)
        self.assertEqual(task.user_ids, self.tech_user)
        self.assertEqual(task.partner_id, self.customer)
        self.assertEqual(str(task.scheduled_start), "2026-12-03 07:00:00")
        self.assertTrue(task.work_order_billable)
        self.assertFalse(task.work_order_status)
        self.upsert(
            "u2",
            title="Replace panel and breakers",
            scheduled_start="2026-12-04T08:00:00+01:00",
            scheduled_end="2026-12-04T12:00:00+01:00",
            crew_external_ids=["WOBADGE2"],
        )
        self.assertEqual(self.task(), task)
        self.assertEqual(task.name, "Replace panel and breakers")
        self.assertEqual(str(task.scheduled_start), "2026-12-04 07:00:00")
        self.assertEqual(task.crew_ids, self.helper)
        self.assertFalse(task.user_ids)
        # the field's own changes are not echoed back to it
        self.assertFalse(
            self.env["integration.outbox"].search([("res_id", "=", task.id)])
        )
        # a window that ends before it starts is refused in plain words
        message = self.sync_flow(
            "work_order.upsert",
            {
                "external_id": "WO-1",
                "job_external_id": "JOB-WO",
                "title": "x",
                "scheduled_start": "2026-12-04T12:00:00Z",
                "scheduled_end": "2026-12-04T08:00:00Z",
            },
            "u3",
        )
        self.assertEqual(message.state, "dead")
        self.assertIn("ends before it starts", message.error_message)

    def test_status_in_order_moves_the_stage_and_the_get_route_tells_it(self):
        self.upsert("u1")
        self.status("s1", "dispatched", "2026-12-03T06:00:00Z")
        task = self.task()
        self.assertEqual(task.work_order_status, "dispatched")
        self.assertEqual(task.stage_id.name, "Dispatched")
        photo = base64.b64encode(b"\xff\xd8fake jpeg").decode()
        self.status(
            "s2",
            "started",
            "2026-12-03T07:05:00Z",
            note="On site",
            photos=[{"filename": "panel.jpg", "content_base64": photo}],
        )
        self.status("s3", "completed", "2026-12-03T10:40:00Z")
        self.assertEqual(task.work_order_status, "completed")
        self.assertEqual(str(task.work_order_status_time), "2026-12-03 10:40:00")
        self.assertEqual(task.work_order_technician_id, self.tech)
        self.assertEqual(task.stage_id.name, "Completed")
        self.assertEqual(
            [e.outcome for e in task.work_order_event_ids], ["applied"] * 3
        )
        started = task.work_order_event_ids.filtered(lambda e: e.status == "started")
        self.assertEqual(started.message, "On site")
        self.assertEqual(started.attachment_ids.name, "panel.jpg")
        self.assertEqual(started.attachment_ids.res_id, task.id)
        response = self.get("WO-1")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            response.json(),
            {
                "name": "Replace panel",
                "status": "completed",
                "status_time": "2026-12-03T10:40:00Z",
                "job": {"number": "WO-001", "name": "Depot"},
                "stage": "Completed",
            },
        )
        # a stage of the job's own overrides the default
        own = self.env["project.task.type"].create(
            {"name": "Ready to invoice", "project_ids": self.job.ids}
        )
        self.env["construction.work.order.stage"].create(
            {"job_id": self.job.id, "status": "completed", "stage_id": own.id}
        )
        self.status("s4", "completed", "2026-12-03T10:45:00Z")
        self.assertEqual(task.stage_id, own)
        with self.assertRaises(ValidationError):
            self.env["construction.work.order.stage"].create(
                {"status": "completed", "stage_id": own.id}
            )

    def test_an_older_event_never_overwrites_a_newer_state(self):
        self.upsert("u1")
        self.status("s1", "completed", "2026-12-03T10:40:00Z")
        message = self.status("s2", "started", "2026-12-03T07:05:00Z")
        task = self.task()
        self.assertEqual(task.work_order_status, "completed")
        self.assertEqual(str(task.work_order_status_time), "2026-12-03 10:40:00")
        self.assertEqual(
            self.outcomes(task),
            [
                ("2026-12-03 07:05:00", "started", "superseded"),
                ("2026-12-03 10:40:00", "completed", "applied"),
            ],
        )
        self.assertIn("older than the state known", self.note(message))

    def test_the_same_event_twice_is_one_event(self):
        self.upsert("u1")
        self.status("s1", "started", "2026-12-03T07:05:00Z", event_id="EV-1")
        # the device resends under a new idempotency key: same event id
        message = self.status(
            "s1-again", "started", "2026-12-03T07:05:00Z", event_id="EV-1"
        )
        self.assertIn("received before", self.note(message))
        # without an event id: same device, time and status
        self.status("s2", "paused", "2026-12-03T08:00:00Z")
        self.status("s2-again", "paused", "2026-12-03T08:00:00Z")
        task = self.task()
        self.assertEqual(
            self.outcomes(task),
            [
                ("2026-12-03 07:05:00", "started", "applied"),
                ("2026-12-03 08:00:00", "paused", "applied"),
            ],
        )
        self.assertEqual(task.work_order_status, "paused")

    def test_a_conflict_between_two_devices_is_kept_and_raised(self):
        self.upsert("u1")
        self.status("s1", "started", "2026-12-03T09:00:00Z", device="dev-A")
        # the helper's tablet comes back online with an older, different status
        message = self.status("s2", "paused", "2026-12-03T08:30:00Z", device="dev-B")
        task = self.task()
        self.assertEqual(task.work_order_status, "started")
        self.assertEqual(task.work_order_conflict_count, 1)
        conflict = task.work_order_event_ids.filtered(lambda e: e.outcome == "conflict")
        self.assertEqual((conflict.status, conflict.device_ref), ("paused", "dev-B"))
        exception = self.env["integration.exception"].search(
            [
                ("reason_code", "=", "work_order_status_conflict"),
                ("res_model", "=", "project.task"),
                ("res_id", "=", task.id),
            ]
        )
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.message_id, message)
        # a tie from another device with another status is a conflict too
        self.status("s3", "completed", "2026-12-03T09:00:00Z", device="dev-B")
        self.assertEqual(task.work_order_status, "started")
        self.assertEqual(task.work_order_conflict_count, 2)

    def test_a_device_queue_in_one_message_applies_by_event_time(self):
        self.upsert("u1")
        events = [
            {
                "work_order_external_id": "WO-1",
                "status": status,
                "event_time": time,
                "device_id": "dev-A",
                "event_id": f"Q-{index}",
            }
            for index, (status, time) in enumerate(
                [
                    ("completed", "2026-12-03T10:40:00Z"),
                    ("dispatched", "2026-12-03T06:00:00Z"),
                    ("started", "2026-12-03T07:05:00Z"),
                    ("completed", "2026-12-03T10:40:00Z"),
                ]
            )
        ]
        events[3]["event_id"] = "Q-0"  # sent twice in the queue
        message = self.sync_flow("work_order.status", {"events": events}, "q1")
        self.assertEqual(message.state, "done", message.error_message)
        task = self.task()
        self.assertEqual(task.work_order_status, "completed")
        self.assertEqual(
            self.outcomes(task),
            [
                ("2026-12-03 06:00:00", "dispatched", "applied"),
                ("2026-12-03 07:05:00", "started", "applied"),
                ("2026-12-03 10:40:00", "completed", "applied"),
            ],
        )

    def test_a_status_for_an_unknown_work_order_waits_for_it(self):
        message = self.sync_flow(
            "work_order.status",
            {
                "work_order_external_id": "WO-404",
                "status": "started",
                "event_time": "2026-12-03T07:05:00Z",
            },
            "s404",
        )
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.error_code, "unknown_work_order")
        response = self.post_flow(
            "work_order.status",
            {"work_order_external_id": "WO-1", "status": "done", "event_time": "x"},
            "bad",
        )
        self.assertEqual(response.status_code, 422, response.text)

    def test_get_answers_only_the_calling_systems_own_ids(self):
        self.upsert("u1")
        self.assertEqual(self.get("WO-1").status_code, 200)
        for response in (self.get("WO-1", key=self.other_key), self.get("WO-nope")):
            self.assertEqual(response.status_code, 404, response.text)
            self.assertEqual(
                response.headers["Content-Type"], "application/problem+json"
            )
            self.assertEqual(response.json()["code"], "not_found")
        self.assertEqual(self.get("WO%00").status_code, 404)
        # the answer is what the published document says
        spec = self.url_open(f"{API}/openapi.json").json()
        validate(spec)
        operation = spec["paths"]["/work-orders/{work_order_ref}"]["get"]
        self.assertIn("404", operation["responses"])
        self.status("s1", "started", "2026-12-03T07:05:00Z")
        for body in (
            self.get("WO-1").json(),
            {**self.get("WO-1").json(), "status": None},
        ):
            schema = operation["responses"]["200"]["content"]["application/json"]
            errors = list(Draft202012Validator(schema["schema"]).iter_errors(body))
            self.assertFalse(errors, body)

    def test_a_batch_of_events_costs_no_query_per_event(self):
        self.upsert("u1")

        def queue_of(count, prefix):
            start = datetime(2026, 12, 3, 8, 0)
            events = [
                {
                    "work_order_external_id": "WO-1",
                    "status": ("started", "paused")[index % 2],
                    "event_time": (start + timedelta(minutes=index)).isoformat() + "Z",
                    "device_id": "dev-A",
                    "event_id": f"{prefix}-{index}",
                }
                for index in range(count)
            ]
            response = self.post_flow("work_order.status", {"events": events}, prefix)
            self.assertEqual(response.status_code, 202, response.text)
            before = self.env.cr.sql_log_count
            perform_jobs(self.env)
            return self.env.cr.sql_log_count - before

        small, large = queue_of(5, "small"), queue_of(100, "large")
        self.assertLess(large - small, 20, (small, large))
        self.assertEqual(len(self.task().work_order_event_ids), 105)

    def test_the_field_cannot_change_what_odoo_owns_on_billing(self):
        self.upsert("u1")
        task = self.task()
        other = self.env["res.partner"].create({"name": "Someone else"})
        self.env["integration.mapping"]._link(self.system, other, "CUST-2")
        message = self.upsert(
            "u2", billable=False, customer_contact_external_id="CUST-2", site="Annex"
        )
        self.assertTrue(task.work_order_billable)
        self.assertEqual(task.partner_id, self.customer)
        self.assertEqual(task.work_order_site, "Annex")
        self.assertIn("system of record", self.note(message))
        self.assertTrue(
            self.env["integration.exception"].search(
                [
                    ("reason_code", "=", "field_owned_by_other_system"),
                    ("res_model", "=", "project.task"),
                    ("res_id", "=", task.id),
                ]
            )
        )
        # the same values again are no change: nothing to note
        message = self.upsert("u3", billable=True, site="Annex")
        self.assertFalse(self.note(message))

    def test_a_rule_naming_the_field_platform_keeps_status_to_it(self):
        self.upsert("u1")
        self.env["integration.ownership"].create(
            {
                "model_id": self.env["ir.model"]._get_id("project.task"),
                "field_ids": [
                    (
                        6,
                        0,
                        [
                            self.env["ir.model.fields"]._get_ids("project.task")[
                                "work_order_status"
                            ]
                        ],
                    )
                ],
                "owner_system_id": self.system.id,
                "on_conflict": "refuse",
            }
        )
        self.env["integration.mapping"]._link(self.other_system, self.task(), "X-1")
        payload = {
            "work_order_external_id": "X-1",
            "status": "completed",
            "event_time": "2026-12-03T10:00:00Z",
        }
        response = self.url_open(
            f"{API}/flows/work_order.status",
            data=json.dumps(payload).encode(),
            headers={
                "Authorization": f"Bearer {self.other_key}",
                "Content-Type": "application/json",
                "Idempotency-Key": "other-1",
            },
        )
        self.assertEqual(response.status_code, 202, response.text)
        perform_jobs(self.env)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        self.assertEqual(
            (message.state, message.error_code),
            ("dead", "field_owned_by_other_system"),
        )
        self.status("s1", "started", "2026-12-03T07:05:00Z")
        self.assertEqual(self.task().work_order_status, "started")
        self.assertEqual(len(self.task().work_order_event_ids), 1)

    def test_nobody_writes_the_status_directly(self):
        self.upsert("u1")
        self.status("s1", "started", "2026-12-03T07:05:00Z")
        task = self.task().with_user(self.planner)
        for vals in (
            {"work_order_status": "completed"},
            {"work_order_status_time": "2027-01-01 00:00:00"},
            {"work_order_technician_id": self.helper.id},
        ):
            with self.assertRaises(UserError):
                task.write(vals)
        with self.assertRaises(UserError):
            task.copy().write({"work_order_status": "completed"})
        with self.assertRaises(UserError):
            self.env["project.task"].with_user(self.planner).create(
                {
                    "name": "Fake",
                    "project_id": self.job.id,
                    "work_order_status": "completed",
                }
            )
        # events are the field's record: not made, not changed, by a person
        event = task.work_order_event_ids
        fake = {
            "task_id": task.id,
            "status": "completed",
            "event_time": "2027-01-01 00:00:00",
            "outcome": "applied",
        }
        Event = self.env["construction.work.order.event"]
        with self.assertRaises(UserError):
            Event.with_user(self.planner).create(fake)
        with self.assertRaises(AccessError):
            event.with_user(self.planner).unlink()
        # a project manager's right to create them (service users need it) does
        # not open it either
        manager = new_test_user(
            self.env,
            "wo_manager",
            groups="base.group_user,construction_project_sync.group_project_manager",
        )
        with self.assertRaises(UserError):
            Event.with_user(manager).create(fake)
        with self.assertRaises(UserError):
            event.with_user(manager).write({"outcome": "conflict"})
        # not even an administrator
        with self.assertRaises(UserError):
            self.task().write({"work_order_status": "completed"})
        self.assertEqual(self.task().work_order_status, "started")

    def test_a_person_rescheduling_tells_the_field(self):
        subscriber = self.env["integration.webhook.subscription"].create(
            {
                "name": "Field events",
                "system_id": self.system.id,
                "url": "http://127.0.0.1:9/hooks",
                "event_types": "work_order.*",
            }
        )
        self.upsert("u1")
        task = self.task()
        Outbox = self.env["integration.outbox"]
        task.with_user(self.planner).write({"name": "Renamed"})
        self.assertFalse(Outbox.search([("res_id", "=", task.id)]))
        task.with_user(self.planner).write(
            {
                "scheduled_start": "2026-12-05 07:00:00",
                "scheduled_end": "2026-12-05 11:00:00",
            }
        )
        event = Outbox.search([("res_id", "=", task.id)])
        self.assertEqual(
            (event.event_type, event.res_model, event.subscription_id),
            ("work_order.updated", "project.task", subscriber),
        )
        data = json.loads(event.data)
        self.assertEqual(data["scheduled_start"], "2026-12-05T07:00:00Z")
        self.assertEqual(data["external_ids"], {"fieldsvc_test": "WO-1"})
        # the same window again changes nothing: no event
        task.with_user(self.planner).write({"scheduled_start": "2026-12-05 07:00:00"})
        self.assertEqual(Outbox.search_count([("res_id", "=", task.id)]), 1)
        # the field's own reschedule is not echoed back
        self.upsert(
            "u2",
            scheduled_start="2026-12-06T07:00:00Z",
            scheduled_end="2026-12-06T09:00:00Z",
        )
        self.assertEqual(Outbox.search_count([("res_id", "=", task.id)]), 1)
        perform_jobs(self.env, model="integration.outbox")

    def test_other_companies_see_no_work_order_or_event(self):
        self.upsert("u1")
        self.status("s1", "started", "2026-12-03T07:05:00Z")
        company_b = self.env["res.company"].create({"name": "Other Builder"})
        outsider = new_test_user(
            self.env,
            "wo_outsider",
            groups=PROJECT_USER,
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        Event = self.env["construction.work.order.event"].with_user(outsider)
        self.assertFalse(Event.search([]))
        self.assertFalse(
            self.env["project.task"]
            .with_user(outsider)
            .search([("is_work_order", "=", True)])
        )
        # a system of the other company does not reach the first one's work orders
        flows = self.env.ref("construction_project_sync.flow_work_order_status")
        system_b, key_b = make_system(
            self.env,
            "fieldsvc_b",
            flows,
            company=company_b,
            groups=["construction_project_sync.group_project_manager"],
        )
        self.env["integration.mapping"]._link(system_b, self.task(), "WO-1")
        self.assertEqual(self.get("WO-1", key=key_b).status_code, 404)

    def test_a_project_user_opens_the_work_orders_of_a_job(self):
        self.upsert("u1")
        job = self.job.with_user(self.planner)
        self.assertEqual(job.work_order_count, 1)
        action = job.action_view_work_orders()
        Task = self.env["project.task"].with_user(self.planner)
        self.assertEqual(Task.search(action["domain"]), self.task())
        views = Task.get_views(
            [(view_id, mode) for view_id, mode in action["views"]]
            + [(action["search_view_id"][0], "search")]
        )
        self.assertEqual(
            set(views["views"]), {"kanban", "list", "calendar", "form", "search"}
        )
        self.assertIn("work_order_event_ids", views["views"]["form"]["arch"])
        # the Work Order page reads as a project user without HR rights
        task = Task.browse(self.task().id)
        task.web_read(
            {
                "work_order_status": {},
                "crew_ids": {"fields": {"display_name": {}}},
                "work_order_event_ids": {"fields": {"outcome": {}, "status": {}}},
            }
        )
