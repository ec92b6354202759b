"""What a schema-driven fuzz of the API found, each written as the request that used
to get a server error, an HTML page or an answer the OpenAPI document contradicts."""

from jsonschema import Draft202012Validator

from odoo.tests import tagged

from .test_api import API, ApiCase


@tagged("post_install", "-at_install")
class TestHostileInput(ApiCase):
    def assertConforms(self, response, path, method):
        """The answer matches what the published document says for its status and
        content type."""
        spec = self.url_open(f"{API}/openapi.json").json()
        responses = spec["paths"][path][method]["responses"]
        self.assertIn(str(response.status_code), responses, response.text)
        documented = responses[str(response.status_code)]
        if "$ref" in documented:
            documented = spec["components"]["responses"][
                documented["$ref"].rsplit("/", 1)[1]
            ]
        content_type = response.headers["Content-Type"].split(";")[0]
        self.assertIn(content_type, documented["content"], response.text)
        schema = dict(documented["content"][content_type]["schema"])
        schema["components"] = spec["components"]
        errors = [
            e.message for e in Draft202012Validator(schema).iter_errors(response.json())
        ]
        self.assertFalse(errors, response.text)

    def test_nul_in_a_batch_idempotency_key_is_refused(self):
        batch = [{"idempotency_key": "k\x00-1", "payload": {}}]
        body = self.assertProblem(
            self.post("/flows/echo", batch), 400, "invalid_request"
        )
        self.assertIn("U+0000", body["detail"])

    def test_nul_in_the_idempotency_key_header_is_refused(self):
        response = self.post(
            "/flows/echo", {}, headers={"Idempotency-Key": "nul-\x00-key"}
        )
        self.assertProblem(response, 400, "invalid_request")

    def test_unpaired_surrogate_in_a_payload_is_refused(self):
        raw = b'{"external_id": "S-1", "name": "Bad \\ud800 name"}'
        response = self.post(
            "/flows/partner.upsert",
            None,
            raw=raw,
            headers={"Idempotency-Key": "surrogate-1"},
        )
        body = self.assertProblem(response, 400, "invalid_request")
        self.assertIn("/name", body["detail"])
        raw = b'[{"idempotency_key": "s-\\udfff", "payload": {}}]'
        self.assertProblem(
            self.post("/flows/echo", None, raw=raw), 400, "invalid_request"
        )

    def test_dates_out_of_range_are_refused(self):
        for value in ("9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"):
            response = self.post(
                "/flows/echo",
                {},
                headers={"Idempotency-Key": f"date-{value}", "X-Event-Time": value},
            )
            self.assertProblem(response, 400, "invalid_request")
        batch = [{"idempotency_key": "d-1", "event_time": False, "payload": {}}]
        self.assertProblem(self.post("/flows/echo", batch), 400, "invalid_request")

    def test_deep_nesting_is_refused(self):
        for depth in (100, 100_000):
            raw = ("[" * depth + "]" * depth).encode()
            response = self.post(
                "/flows/echo",
                None,
                raw=raw,
                headers={"Idempotency-Key": f"deep-{depth}"},
            )
            self.assertProblem(response, 400, "invalid_request")
        nested = {}
        for _level in range(80):
            nested = {"a": nested}
        response = self.post(
            "/flows/echo", nested, headers={"Idempotency-Key": "deep-object"}
        )
        self.assertProblem(response, 400, "invalid_request")

    def test_nul_in_a_path_value_names_nothing(self):
        self.assertProblem(self.post("/flows/ec%00ho", {}), 404, "not_found")
        response = self.url_open(
            f"{API}/webhooks/sys%00tem",
            data=b"{}",
            headers={"Content-Type": "application/json"},
        )
        self.assertProblem(response, 404, "not_found")

    def test_message_ids_beyond_the_database_range_are_not_found(self):
        self.assertProblem(self.get(f"/messages/{2**40}"), 404, "message_not_found")
        self.assertProblem(
            self.post(f"/messages/{2**31}/replay", {}), 404, "message_not_found"
        )

    def test_unknown_routes_answer_a_problem_not_html(self):
        for path in ("/messages/abc", "/messages/1.5", "/nothing/here", "/../v2/x"):
            self.assertProblem(self.get(path), 404, "not_found")
        self.assertProblem(self.get("/messages/-1"), 404, "message_not_found")
        self.assertProblem(
            self.url_open("/api/construction/v2/flows/echo"), 404, "not_found"
        )
        response = self.get("/flows/echo")
        body = self.assertProblem(response, 405, "method_not_allowed")
        self.assertEqual(response.headers["Allow"], "POST")
        self.assertEqual(body["allowed_methods"], ["POST"])

    def test_message_view_matches_the_document(self):
        """A message without an event time used to say "event_time": false."""
        accepted = self.post("/flows/echo", {}, headers={"Idempotency-Key": "view-1"})
        response = self.get(f"/messages/{accepted.json()['message_id']}")
        self.assertIsNone(response.json()["event_time"])
        self.assertIsNone(response.json()["processed_at"])
        self.assertConforms(response, "/messages/{message_id}", "get")

    def test_refused_batch_answer_matches_the_document(self):
        """A batch whose every envelope is refused answers 422 with the per-item
        results in plain JSON: the document used to promise a problem only."""
        self.post("/flows/echo", [{"idempotency_key": "rb-1", "payload": {}}])
        conflict = self.post(
            "/flows/echo", [{"idempotency_key": "rb-1", "payload": {"other": 1}}]
        )
        self.assertEqual(conflict.status_code, 409, conflict.text)
        self.assertConforms(conflict, "/flows/echo", "post")
        rejected = self.post(
            "/flows/partner.upsert", [{"idempotency_key": "rb-2", "payload": {}}]
        )
        self.assertEqual(rejected.status_code, 422, rejected.text)
        self.assertConforms(rejected, "/flows/partner.upsert", "post")
        accepted = self.post("/flows/echo", {}, headers={"Idempotency-Key": "rb-3"})
        self.assertConforms(accepted, "/flows/echo", "post")
