"""XML bodies on the hub's API, over real HTTP: a flow declared to take XML keeps the
document as received and queues the payload its parser read; every other flow
answers 415; a document the parser cannot read is a 422 problem, kept as rejected."""

import json
import random

from openapi_spec_validator import validate

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import perform_jobs
from .test_api import API, ApiCase

READING = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Reading xmlns="urn:example"><Hour>12.5</Hour><Unit>h</Unit></Reading>'
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE Reading [<!ENTITY secret SYSTEM '
    b'"file:///etc/passwd">]>\n<Reading><Hour>&secret;</Hour></Reading>'
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;">]>'
    b"<r>&c;&c;&c;&c;</r>"
)


@tagged("post_install", "-at_install")
class TestXmlBodies(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo.write({"accepts_xml": True, "xml_parser": "xml_elements"})

    def post_xml(self, flow, document, key, content_type="application/xml"):
        return self.post(
            f"/flows/{flow}",
            None,
            headers={"Idempotency-Key": key, "Content-Type": content_type},
            raw=document,
        )

    def test_document_kept_as_received_and_payload_parsed(self):
        response = self.post_xml("echo", READING, "x-1")
        self.assertEqual(response.status_code, 202, response.text)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        self.assertEqual(message.raw_body, READING.decode())
        self.assertEqual(message.content_type, "application/xml")
        self.assertEqual(
            json.loads(message.payload), {"Reading": {"Hour": "12.5", "Unit": "h"}}
        )
        # the same document again is a replay; another one under the key a conflict
        again = self.post_xml("echo", READING, "x-1", "text/xml; charset=utf-8")
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.json()["message_id"], message.id)
        other = self.post_xml("echo", READING.replace(b"12.5", b"13"), "x-1")
        self.assertProblem(other, 409, "idempotency_key_reused")
        perform_jobs(self.env)
        view = self.get(f"/messages/{message.id}").json()
        self.assertEqual(
            (view["state"], view["content_type"]), ("done", "application/xml")
        )
        # the flow still takes JSON
        as_json = self.post("/flows/echo", {"a": 1}, headers={"Idempotency-Key": "x-j"})
        self.assertEqual(as_json.status_code, 202, as_json.text)

    def test_document_in_its_declared_encoding_is_stored_as_text(self):
        latin = '<?xml version="1.0" encoding="ISO-8859-1"?><Site>Zürich</Site>'
        response = self.post_xml("echo", latin.encode("latin-1"), "x-latin")
        self.assertEqual(response.status_code, 202, response.text)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        self.assertEqual(message.raw_body, latin)
        self.assertEqual(json.loads(message.payload), {"Site": "Zürich"})

    def test_xml_to_a_json_only_flow_is_refused_with_415(self):
        before = self.env["integration.message"].search_count([])
        response = self.post_xml("partner.upsert", READING, "x-415")
        self.assertProblem(response, 415, "unsupported_media_type")
        response = self.post_xml(
            "partner.upsert", READING, "x-415", "application/atom+xml"
        )
        self.assertProblem(response, 415, "unsupported_media_type")
        self.assertEqual(self.env["integration.message"].search_count([]), before)

    def test_unreadable_document_is_rejected_kept_and_can_be_corrected(self):
        response = self.post_xml("echo", b"<Reading><Hour>1</Reading>", "x-bad")
        body = self.assertProblem(response, 422, "document_not_parsable")
        self.assertEqual(body["parser_code"], "malformed")
        message = self.env["integration.message"].browse(body["message_id"])
        self.assertEqual(message.state, "rejected")
        self.assertEqual(message.error_code, "malformed")
        self.assertEqual(message.raw_body, "<Reading><Hour>1</Reading>")
        # the same broken document again answers the same problem
        again = self.post_xml("echo", b"<Reading><Hour>1</Reading>", "x-bad")
        self.assertEqual(
            self.assertProblem(again, 422, "document_not_parsable")["parser_code"],
            "malformed",
        )
        # a replay reads the document again: still broken, still rejected
        with self.assertRaises(UserError):
            message.action_replay()
        self.assertEqual((message.state, message.error_code), ("rejected", "malformed"))
        # the corrected document under the same key takes its place
        fixed = self.post_xml("echo", b"<Reading><Hour>1</Hour></Reading>", "x-bad")
        self.assertEqual(fixed.status_code, 202, fixed.text)
        message.invalidate_recordset()
        self.assertEqual(json.loads(message.payload), {"Reading": {"Hour": "1"}})
        self.assertFalse(message.error_code)

    def test_schema_rejection_of_a_document_is_replayed_from_the_document(self):
        self.echo.json_schema = json.dumps(
            {
                "type": "object",
                "required": ["Reading"],
                "properties": {
                    "Reading": {"type": "object", "required": ["Hour", "Operator"]}
                },
            }
        )
        response = self.post_xml("echo", READING, "x-schema")
        body = self.assertProblem(response, 422, "schema_validation_failed")
        message = self.env["integration.message"].browse(body["message_id"])
        self.echo.json_schema = '{"type": "object"}'
        message.action_replay()
        self.assertEqual(message.state, "queued")
        self.assertEqual(json.loads(message.payload)["Reading"]["Hour"], "12.5")

    def test_entities_are_never_resolved(self):
        # attack: an external entity reading a server file into the payload
        response = self.post_xml("echo", XXE, "x-xxe")
        body = self.assertProblem(response, 422, "document_not_parsable")
        self.assertEqual(body["parser_code"], "forbidden_dtd")
        message = self.env["integration.message"].browse(body["message_id"])
        self.assertFalse(message.payload)
        self.assertNotIn("root:", response.text)

    def test_limits_and_unstorable_documents(self):
        response = self.post_xml("echo", b"<a>\x00</a>", "x-nul")
        self.assertProblem(response, 400, "invalid_request")
        response = self.post_xml("echo", b"<a>\xff\xfe</a>", "x-enc")
        self.assertProblem(response, 400, "invalid_request")
        response = self.post_xml("echo", b"   ", "x-empty")
        self.assertProblem(response, 400, "invalid_request")
        response = self.post_xml("echo", READING, "")
        self.assertProblem(response, 400, "idempotency_key_required")
        self.env["ir.config_parameter"].sudo().set_param(
            "integration_queue.max_body_bytes", "64"
        )
        response = self.post_xml("echo", READING, "x-big")
        self.assertProblem(response, 413, "payload_too_large")

    def test_openapi_documents_xml_for_the_flows_that_take_it(self):
        spec = self.url_open(f"{API}/openapi.json").json()
        validate(spec)
        echo = spec["paths"]["/flows/echo"]["post"]
        self.assertIn("application/xml", echo["requestBody"]["content"])
        self.assertIn("text/xml", echo["requestBody"]["content"])
        self.assertIn("415", echo["responses"])
        partner = spec["paths"]["/flows/partner.upsert"]["post"]
        self.assertNotIn("application/xml", partner["requestBody"]["content"])
        self.assertIn(
            "document_not_parsable",
            spec["components"]["schemas"]["Problem"]["properties"]["code"]["enum"],
        )

    def test_a_flow_names_only_a_declared_parser(self):
        # attack: a manager's flow naming an arbitrary method as its parser
        for parser in ("_process_echo", "unlink", "nonexistent", False):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.partner_flow.write({"accepts_xml": True, "xml_parser": parser})
        # the service user cannot switch XML on through RPC
        with self.assertRaises(AccessError):
            self.partner_flow.with_user(self.system.user_id).write(
                {"accepts_xml": True, "xml_parser": "xml_elements"}
            )

    def test_hostile_documents_never_fail_the_server(self):
        rng = random.Random(20261202)
        documents = [
            b"<a>" * 100 + b"</a>" * 100,  # parsed, but deeper than a payload may be
            b"<a>" * 5000 + b"</a>" * 5000,  # deeper than the parser goes
            b'<?xml version="1.0" encoding="x-nope"?><a/>',
            b"<a b='" + b"x" * 100000 + b"'/>",
            LAUGHS,
        ]
        for _index in range(30):
            cut = bytearray(READING[: rng.randrange(1, len(READING))])
            cut.insert(rng.randrange(len(cut) + 1), rng.randrange(256))
            documents.append(bytes(cut))
        for index, document in enumerate(documents):
            response = self.post_xml("echo", document, f"x-hostile-{index}")
            self.assertIn(response.status_code, (202, 400, 422), response.text)
            if response.status_code != 202:
                self.assertEqual(
                    response.headers["Content-Type"], "application/problem+json"
                )
        deep = self.post_xml("echo", documents[0], "x-hostile-deep")
        self.assertEqual(deep.json()["parser_code"], "payload_not_storable")
