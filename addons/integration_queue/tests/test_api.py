import json
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from openapi_spec_validator import validate

from odoo import sql_db
from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.jobrunner.runner import PG_ADVISORY_LOCK_ID

from ..lib.signature import sign
from .common import make_system, perform_jobs

API = "/api/construction/v1"


@tagged("post_install", "-at_install")
class ApiCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = cls.env.ref("integration_queue.flow_echo")
        cls.partner_flow = cls.env.ref("integration_queue.flow_partner_upsert")
        cls.system, cls.key = make_system(
            cls.env,
            "api_test",
            cls.echo | cls.partner_flow,
            groups=["base.group_partner_manager"],
        )

    def post(self, path, body, key=None, headers=None, raw=None):
        all_headers = {"Content-Type": "application/json"}
        if key is not False:
            all_headers["Authorization"] = f"Bearer {key or self.key}"
        all_headers.update(headers or {})
        data = raw if raw is not None else json.dumps(body).encode()
        return self.url_open(f"{API}{path}", data=data, headers=all_headers)

    def get(self, path, key=None):
        headers = (
            {"Authorization": f"Bearer {key or self.key}"} if key is not False else {}
        )
        return self.url_open(f"{API}{path}", headers=headers)

    def assertProblem(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/problem+json")
        body = response.json()
        self.assertEqual((body["status"], body["code"]), (status, code))
        self.assertTrue(body["type"].endswith(code))
        self.assertNotIn("Traceback", response.text)
        return body


class TestInboundApi(ApiCase):
    def test_single_message_accepted_then_replayed(self):
        response = self.post(
            "/flows/partner.upsert",
            {"external_id": "H-1", "name": "Http Co"},
            headers={"Idempotency-Key": "h-1", "X-Event-Time": "2026-11-20T08:00:00Z"},
        )
        self.assertEqual(response.status_code, 202, response.text)
        body = response.json()
        self.assertEqual(body["state"], "queued")
        self.assertEqual(
            response.headers["Location"], f"{API}/messages/{body['message_id']}"
        )
        message = self.env["integration.message"].browse(body["message_id"])
        self.assertEqual(str(message.event_time), "2026-11-20 08:00:00")
        again = self.post(
            "/flows/partner.upsert",
            {"name": "Http Co", "external_id": "H-1"},
            headers={"Idempotency-Key": "h-1"},
        )
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.headers["Idempotent-Replayed"], "true")
        self.assertEqual(again.json()["message_id"], body["message_id"])
        # processed by the job runner's work: the message shows its record
        perform_jobs(self.env)
        view = self.get(f"/messages/{body['message_id']}").json()
        self.assertEqual(view["state"], "done")
        self.assertEqual(view["attempts"], 1)
        self.assertEqual(view["records"][0]["model"], "res.partner")
        self.assertEqual(view["records"][0]["name"], "Http Co")
        self.assertEqual(view["records"][0]["action"], "created")

    def test_batch_answers_per_item(self):
        batch = [
            {"idempotency_key": "b-1", "payload": {"external_id": "B1", "name": "One"}},
            {"idempotency_key": "b-2", "payload": {"external_id": "B2"}},
            {
                "idempotency_key": "b-3",
                "event_time": "2026-11-21T10:00:00+02:00",
                "payload": {"external_id": "B3", "name": "Three"},
            },
        ]
        response = self.post("/flows/partner.upsert", batch)
        self.assertEqual(response.status_code, 202, response.text)
        body = response.json()
        self.assertTrue(body["errors"])
        self.assertEqual([i["status"] for i in body["items"]], [202, 422, 202])
        self.assertEqual(
            body["items"][1]["problem"]["code"], "schema_validation_failed"
        )
        self.assertEqual(body["items"][1]["problem"]["errors"][0]["path"], "/")
        third = self.env["integration.message"].browse(body["items"][2]["message_id"])
        self.assertEqual(str(third.event_time), "2026-11-21 08:00:00")

    def test_every_error_is_a_problem_with_a_stable_code(self):
        # 401: no key, a wrong key
        self.assertProblem(
            self.post("/flows/echo", {}, key=False), 401, "unauthenticated"
        )
        self.assertProblem(
            self.post("/flows/echo", {}, key="nope" * 10), 401, "unauthenticated"
        )
        # 403: a key that belongs to no system
        admin_key = (
            self.env["res.users.apikeys"]
            .with_user(self.env.ref("base.user_admin"))
            .sudo()
            ._generate(None, "admin test", None)
        )
        self.assertProblem(
            self.post(
                "/flows/echo", {}, key=admin_key, headers={"Idempotency-Key": "x"}
            ),
            403,
            "not_a_system_user",
        )
        # 404: unknown flow; 403: a flow the system is not enabled for
        self.assertProblem(
            self.post("/flows/nope", {}, headers={"Idempotency-Key": "x"}),
            404,
            "unknown_flow",
        )
        other_flow = self.echo.copy(
            {"code": "echo.other", "name": "Other", "processor_model": False}
        )
        self.assertProblem(
            self.post("/flows/echo.other", {}, headers={"Idempotency-Key": "x"}),
            403,
            "flow_not_enabled",
        )
        self.assertTrue(other_flow)
        # 400: malformed JSON, no idempotency key, a bad batch item
        self.assertProblem(
            self.post(
                "/flows/echo", None, raw=b"{nope", headers={"Idempotency-Key": "x"}
            ),
            400,
            "malformed_json",
        )
        # an empty body is an error, never an empty payload
        self.assertProblem(
            self.post("/flows/echo", None, raw=b" ", headers={"Idempotency-Key": "x"}),
            400,
            "malformed_json",
        )
        self.assertProblem(
            self.post("/flows/echo", {}), 400, "idempotency_key_required"
        )
        self.assertProblem(
            self.post("/flows/echo", [{"payload": {}}]), 400, "invalid_request"
        )
        # 422 with the violations and the stored message's id
        body = self.assertProblem(
            self.post(
                "/flows/partner.upsert", {"name": 3}, headers={"Idempotency-Key": "bad"}
            ),
            422,
            "schema_validation_failed",
        )
        self.assertEqual(len(body["errors"]), 2)
        self.assertEqual(
            self.env["integration.message"].browse(body["message_id"]).state, "rejected"
        )
        # 409: the same key with another payload
        self.post("/flows/echo", {"n": 1}, headers={"Idempotency-Key": "same"})
        self.assertProblem(
            self.post("/flows/echo", {"n": 2}, headers={"Idempotency-Key": "same"}),
            409,
            "idempotency_key_reused",
        )
        # 413: body and batch limits
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("integration_queue.max_batch_items", "2")
        batch = [{"idempotency_key": f"l{i}", "payload": {}} for i in range(3)]
        self.assertProblem(self.post("/flows/echo", batch), 413, "batch_too_large")
        params.set_param("integration_queue.max_body_bytes", "64")
        self.assertProblem(
            self.post(
                "/flows/echo", {"pad": "x" * 100}, headers={"Idempotency-Key": "big"}
            ),
            413,
            "payload_too_large",
        )

    def test_rate_limit_answers_429_with_retry_after(self):
        self.system.rate_limit = 2
        for index in range(2):
            ok = self.post("/flows/echo", {}, headers={"Idempotency-Key": f"r{index}"})
            self.assertEqual(ok.status_code, 202)
        response = self.post("/flows/echo", {}, headers={"Idempotency-Key": "r3"})
        self.assertProblem(response, 429, "rate_limited")
        self.assertTrue(1 <= int(response.headers["Retry-After"]) <= 60)

    def test_duplicate_storm_makes_one_message_and_one_partner(self):
        url = self.base_url() + f"{API}/flows/partner.upsert"
        headers = {
            "Authorization": f"Bearer {self.key}",
            "Idempotency-Key": "storm-1",
            "Content-Type": "application/json",
        }
        body = json.dumps({"external_id": "STORM", "name": "Storm Co"})

        def send(_i):
            return requests.post(url, data=body, headers=headers, timeout=60)

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(send, range(24)))
        statuses = sorted(r.status_code for r in responses)
        self.assertEqual(statuses.count(202), 1, statuses)
        self.assertEqual(statuses.count(200), 23, statuses)
        self.assertEqual(len({r.json()["message_id"] for r in responses}), 1)
        perform_jobs(self.env)
        self.assertEqual(
            self.env["res.partner"].search_count([("name", "=", "Storm Co")]), 1
        )

    def test_message_replay_over_the_api(self):
        sent = self.post("/flows/echo", {}, headers={"Idempotency-Key": "rp"}).json()
        perform_jobs(self.env)
        self.assertProblem(
            self.post(f"/messages/{sent['message_id']}/replay", {}),
            409,
            "message_already_done",
        )
        # a service user is no manager: force is refused
        self.assertProblem(
            self.post(f"/messages/{sent['message_id']}/replay", {"force": True}),
            403,
            "forbidden",
        )
        self.echo.max_attempts = 1
        dead = self.post(
            "/flows/echo", {"fail": True}, headers={"Idempotency-Key": "rd"}
        ).json()
        perform_jobs(self.env)
        response = self.post(f"/messages/{dead['message_id']}/replay", {})
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(response.json()["state"], "queued")

    def test_a_system_cannot_read_another_systems_message(self):
        other, other_key = make_system(self.env, "api_other", self.echo)
        sent = self.post("/flows/echo", {}, headers={"Idempotency-Key": "mine"}).json()
        self.assertProblem(
            self.get(f"/messages/{sent['message_id']}", key=other_key),
            404,
            "message_not_found",
        )
        self.assertEqual(self.get(f"/messages/{sent['message_id']}").status_code, 200)
        self.assertTrue(other)


class TestSignedWebhook(ApiCase):
    def setUp(self):
        super().setUp()
        self.system.webhook_secret = (
            "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw=="
        )

    def send(self, body, msg_id="evt_1", timestamp=None, secret=None, tamper=False):
        raw = json.dumps(body).encode()
        timestamp = int(time.time()) if timestamp is None else timestamp
        signature = sign(secret or self.system.webhook_secret, msg_id, timestamp, raw)
        if tamper:
            raw = raw.replace(b"Signed", b"Forged")
        return self.url_open(
            f"{API}/webhooks/{self.system.code}",
            data=raw,
            headers={
                "Content-Type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": signature,
            },
        )

    def test_signed_webhook_accepted_once(self):
        body = {
            "type": "partner.upsert",
            "data": {"external_id": "W1", "name": "Signed Co"},
        }
        first = self.send(body)
        self.assertEqual(first.status_code, 202, first.text)
        message = self.env["integration.message"].browse(first.json()["message_id"])
        self.assertEqual(
            (message.source, message.idempotency_key), ("webhook", "evt_1")
        )
        # the same delivery again (a replay) has no new effect
        again = self.send(body)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["message_id"], message.id)

    def test_archived_service_user_cannot_sign_in_by_webhook(self):
        """Archiving the service user switches the system off for signed webhooks
        as for its keys: a correctly signed delivery is refused, nothing stored."""
        self.system.user_id.active = False
        body = {
            "type": "partner.upsert",
            "data": {"external_id": "W3", "name": "Signed Co"},
        }
        self.assertProblem(self.send(body, msg_id="evt_3"), 403, "forbidden")
        self.assertFalse(
            self.env["integration.message"].search([("idempotency_key", "=", "evt_3")])
        )

    def test_bad_signature_stale_timestamp_and_unknown_system(self):
        body = {
            "type": "partner.upsert",
            "data": {"external_id": "W2", "name": "Signed Co"},
        }
        self.assertProblem(self.send(body, tamper=True), 401, "invalid_signature")
        self.assertProblem(
            self.send(body, secret="whsec_d3Jvbmctc2VjcmV0"), 401, "invalid_signature"
        )
        self.assertProblem(
            self.send(body, timestamp=int(time.time()) - 3600),
            401,
            "signature_timestamp_out_of_tolerance",
        )
        response = self.url_open(
            f"{API}/webhooks/nobody",
            data=b"{}",
            headers={"Content-Type": "application/json"},
        )
        self.assertProblem(response, 404, "unknown_system")
        self.assertFalse(
            self.env["integration.message"].search([("idempotency_key", "=", "evt_1")])
        )


class TestOperationsApi(ApiCase):
    def test_openapi_is_generated_from_the_flows_and_valid(self):
        response = self.url_open(f"{API}/openapi.json")
        self.assertEqual(response.status_code, 200)
        spec = response.json()
        validate(spec)
        self.assertEqual(spec["openapi"], "3.1.0")
        self.assertIn("/flows/partner.upsert", spec["paths"])
        self.assertIn(
            "external_id",
            spec["components"]["schemas"]["PartnerUpsertPayload"]["properties"],
        )
        responses = spec["paths"]["/flows/echo"]["post"]["responses"]
        for status in ("202", "400", "401", "403", "404", "409", "413", "422", "429"):
            self.assertIn(status, responses)
        # a new flow appears without touching the document
        self.echo.copy(
            {"code": "example.new_flow", "name": "Field time", "processor_model": False}
        )
        self.assertIn(
            "/flows/example.new_flow",
            self.url_open(f"{API}/openapi.json").json()["paths"],
        )

    def test_metrics_need_a_monitoring_key(self):
        self.post("/flows/echo", {}, headers={"Idempotency-Key": "m1"})
        self.assertProblem(self.get("/metrics"), 403, "forbidden")
        self.assertProblem(self.get("/metrics", key=False), 401, "unauthenticated")
        watcher = self.env["res.users"].create(
            {
                "name": "Watcher",
                "login": "metrics_watcher",
                "groups_id": [
                    (
                        6,
                        0,
                        [self.env.ref("integration_queue.group_integration_user").id],
                    )
                ],
            }
        )
        key = (
            self.env["res.users.apikeys"]
            .with_user(watcher)
            .sudo()
            ._generate(None, "prom", None)
        )
        response = self.get("/metrics", key=key)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        )
        self.assertIn(
            'construction_hub_messages{flow="echo",system="api_test",state="queued"} 1',
            response.text,
        )
        self.assertIn(
            'construction_hub_backlog{flow="echo",system="api_test"} 1', response.text
        )
        self.assertIn("# TYPE construction_hub_latency_ms gauge", response.text)

    def test_health_reports_backlog_and_runner(self):
        self.post("/flows/echo", {}, headers={"Idempotency-Key": "hb"})
        body = self.url_open(f"{API}/health").json()
        self.assertGreaterEqual(body["queue"]["messages_waiting"], 1)
        # no job runner serves the test database (CI turns it off in-process)
        self.assertEqual(
            body["queue"]["job_runner"], {"state": "absent", "present": False}
        )

    def test_health_sees_a_runner_in_another_process(self):
        """The runner of a prefork server lives in a process of its own; the health
        route finds it by the advisory lock it holds on the database, as queue_job's
        runner takes it (pg_try_advisory_lock from its own connection)."""
        runner = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            runner.execute("SELECT pg_try_advisory_lock(%s)", (PG_ADVISORY_LOCK_ID,))
            self.assertTrue(runner.fetchone()[0])
            body = self.url_open(f"{API}/health").json()
            self.assertTrue(body["queue"]["job_runner"]["present"])
            # the demo's jobs wait for a runner that takes work: this one takes none
            self.assertIn(
                body["queue"]["job_runner"]["state"], ("idle", "busy", "stalled")
            )
            metrics = self.env["integration.hub"]._prometheus_metrics()
            self.assertIn("construction_hub_job_runner_present 1", metrics)
        finally:
            runner.execute("SELECT pg_advisory_unlock(%s)", (PG_ADVISORY_LOCK_ID,))
            runner.close()
        body = self.url_open(f"{API}/health").json()
        self.assertFalse(body["queue"]["job_runner"]["present"])
