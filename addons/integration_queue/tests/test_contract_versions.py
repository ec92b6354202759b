import json
import xmlrpc.client
from datetime import timedelta

from openapi_spec_validator import validate

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .test_api import ApiCase

STRICT = {
    "type": "object",
    "required": ["external_id", "name", "ref"],
    "properties": {
        "external_id": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "ref": {"type": "string", "minLength": 1},
    },
}


@tagged("post_install", "-at_install")
class TestContractVersions(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        managers = "base.group_user,integration_queue.group_integration_manager"
        cls.proposer = new_test_user(cls.env, "cv_proposer", groups=managers)
        cls.reviewer = new_test_user(cls.env, "cv_reviewer", groups=managers)
        cls.operator = new_test_user(
            cls.env,
            "cv_operator",
            groups="base.group_user,integration_queue.group_integration_user",
        )
        cls.v1 = cls.partner_flow._version(1)
        cls.v2 = (
            cls.env["integration.flow.version"]
            .with_user(cls.proposer)
            .create(
                {
                    "flow_id": cls.partner_flow.id,
                    "json_schema": json.dumps(STRICT),
                    "change_note": "ref is required",
                }
            )
        )

    def activate_v2(self):
        self.v2.with_user(self.reviewer).action_activate()

    def test_every_flow_is_born_with_its_v1_as_default(self):
        flow = self.env["integration.flow"].create({"code": "cv.new", "name": "New"})
        self.assertEqual(flow.default_version_id.number, 1)
        self.assertEqual(flow.default_version_id.state, "current")
        self.assertEqual(self.partner_flow.default_version_id, self.v1)
        self.assertGreater(self.v2.number, 1)
        self.assertEqual(self.v2.state, "draft")

    def test_a_version_is_chosen_by_path_or_header_and_kept_on_the_message(self):
        response = self.post(
            f"/flows/partner.upsert/v{self.v2.number}",
            {"external_id": "CV-1", "name": "Draft"},
            headers={"Idempotency-Key": "cv-0"},
        )
        self.assertProblem(response, 404, "unknown_flow_version")
        self.activate_v2()
        self.assertEqual(self.v2.activated_by_id, self.reviewer)
        self.assertTrue(self.v2.activated_at)
        response = self.post(
            f"/flows/partner.upsert/v{self.v2.number}",
            {"external_id": "CV-1", "name": "No ref"},
            headers={"Idempotency-Key": "cv-1"},
        )
        self.assertProblem(response, 422, "schema_validation_failed")
        response = self.post(
            "/flows/partner.upsert",
            {"external_id": "CV-2", "name": "By header", "ref": "R"},
            headers={"Idempotency-Key": "cv-2", "X-Flow-Version": f"v{self.v2.number}"},
        )
        self.assertEqual(response.status_code, 202, response.text)
        message = self.env["integration.message"].browse(response.json()["message_id"])
        self.assertEqual(message.flow_version_id, self.v2)
        # without a version: the default, v1, which does not ask for ref
        response = self.post(
            "/flows/partner.upsert",
            {"external_id": "CV-3", "name": "Default"},
            headers={"Idempotency-Key": "cv-3"},
        )
        self.assertEqual(response.status_code, 202, response.text)
        self.assertNotIn("Deprecation", response.headers)
        for path in ("/flows/partner.upsert/v9", "/flows/partner.upsert/latest"):
            response = self.post(path, {}, headers={"Idempotency-Key": "cv-4"})
            self.assertProblem(response, 404, "unknown_flow_version")

    def test_deprecated_version_answers_with_headers_and_is_listed_on_the_system(self):
        self.activate_v2()
        self.v2.with_user(self.proposer).action_make_default()
        sunset = fields.Datetime.now() + timedelta(days=30)
        self.v1.with_user(self.proposer).sunset_at = sunset
        self.v1.with_user(self.proposer).action_deprecate()
        self.assertEqual(self.v1.successor_id, self.v2)
        response = self.post(
            "/flows/partner.upsert/v1",
            {"external_id": "CV-5", "name": "Old caller"},
            headers={"Idempotency-Key": "cv-5"},
        )
        self.assertEqual(response.status_code, 202, response.text)
        self.assertTrue(response.headers["Deprecation"].startswith("@"))
        self.assertTrue(response.headers["Sunset"].endswith("GMT"))
        self.assertIn(
            f'/flows/partner.upsert/v{self.v2.number}>; rel="successor-version"',
            response.headers["Link"],
        )
        self.system.invalidate_recordset()
        self.assertEqual(self.system.deprecated_version_count, 1)
        line = self.system.interface_ids.filtered(
            lambda i: i.flow_version_id == self.v1
        )
        self.assertEqual(
            (line.version_state, line.messages_30d, line.errors_30d),
            ("deprecated", 1, 0),
        )
        self.assertTrue(line.last_contact_at)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "integration_queue.report_interface_inventory", line.ids
            )[0]
            .decode()
        )
        self.assertIn("Interface Inventory", html)
        self.assertIn(self.partner_flow.name, html)
        # the enabled flow never called shows too, with no traffic
        echo = self.system.interface_ids.filtered(lambda i: i.flow_id == self.echo)
        self.assertEqual((echo.messages_30d, echo.enabled), (0, True))
        # the default version cannot be deprecated or retired
        with self.assertRaises(UserError):
            self.v2.with_user(self.proposer).action_retire()

    def test_retired_or_past_sunset_version_answers_410_naming_its_successor(self):
        self.activate_v2()
        self.v2.with_user(self.reviewer).action_make_default()
        self.v1.with_user(self.reviewer).action_retire()
        response = self.post(
            "/flows/partner.upsert/v1",
            {"external_id": "CV-6", "name": "Too late"},
            headers={"Idempotency-Key": "cv-6"},
        )
        body = self.assertProblem(response, 410, "flow_version_retired")
        self.assertEqual(body["successor_version"], self.v2.number)
        self.assertEqual(
            body["successor"],
            f"/api/construction/v1/flows/partner.upsert/v{self.v2.number}",
        )
        self.assertFalse(
            self.env["integration.message"].search([("idempotency_key", "=", "cv-6")])
        )

    def test_a_sunset_passed_retires_the_version_at_the_api(self):
        self.activate_v2()
        self.v2.with_user(self.reviewer).action_make_default()
        self.v1.with_user(self.reviewer).sunset_at = fields.Datetime.now() + timedelta(
            days=1
        )
        self.v1.with_user(self.reviewer).action_deprecate()
        # sudo: the clock moving on, in the test
        self.v1.sudo().sunset_at = fields.Datetime.now() - timedelta(minutes=1)
        response = self.post(
            "/flows/partner.upsert",
            {"external_id": "CV-7", "name": "Late"},
            headers={"Idempotency-Key": "cv-7", "X-Flow-Version": "1"},
        )
        self.assertProblem(response, 410, "flow_version_retired")
        # the hourly cron makes its state say so, once
        retired = self.env["integration.flow.version"]._cron_retire_past_sunset()
        self.assertEqual(retired, self.v1)
        self.assertEqual((self.v1.state, self.v1.successor_id), ("retired", self.v2))
        self.assertTrue(self.v1.retired_at)
        self.assertIn("sunset", self.v1.message_ids[:1].body)
        self.assertFalse(
            self.env["integration.flow.version"]._cron_retire_past_sunset()
        )
        cron = self.env.ref("integration_queue.cron_retire_flow_versions")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "hours"))

    def test_attack_nobody_edits_a_live_schema_or_activates_by_rpc(self):
        service = self.system.user_id
        strict = json.dumps(STRICT)
        for user in (service, self.operator):
            with self.assertRaises(AccessError):
                self.v1.with_user(user).write({"json_schema": strict})
            with self.assertRaises(AccessError):
                self.v2.with_user(user).action_activate()
            with self.assertRaises(AccessError):
                self.env["integration.flow.version"].with_user(user).create(
                    {"flow_id": self.partner_flow.id, "json_schema": strict}
                )
            with self.assertRaises(AccessError):
                self.partner_flow.with_user(user).write({"json_schema": strict})
            with self.assertRaises(AccessError):
                self.v2.with_user(user).unlink()
        manager_v1 = self.v1.with_user(self.proposer)
        with self.assertRaises(UserError):
            manager_v1.write({"json_schema": strict})
        with self.assertRaises(UserError):
            manager_v1.write({"adapter": "anything"})
        with self.assertRaises(UserError):
            self.v2.with_user(self.proposer).write({"state": "current"})
        with self.assertRaises(UserError):
            self.v2.with_user(self.proposer).write(
                {"activated_by_id": self.reviewer.id}
            )
        with self.assertRaises(UserError):
            self.partner_flow.with_user(self.proposer).write({"json_schema": strict})
        with self.assertRaises(UserError):
            self.partner_flow.with_user(self.proposer).write(
                {"default_version_id": self.v2.id}
            )
        with self.assertRaises(UserError):
            self.env["integration.flow.version"].with_user(self.proposer).create(
                {"flow_id": self.partner_flow.id, "state": "current"}
            )
        # four eyes: who proposed it cannot activate it
        with self.assertRaises(UserError):
            self.v2.with_user(self.proposer).action_activate()
        self.assertEqual(self.v2.state, "draft")
        # a proposed schema is still the proposer's to edit; once live, no more
        self.v2.with_user(self.proposer).json_schema = strict
        self.activate_v2()
        with self.assertRaises(UserError):
            self.v2.with_user(self.reviewer).json_schema = '{"type": "object"}'
        with self.assertRaises(UserError):
            self.v2.with_user(self.reviewer).unlink()

    def test_openapi_shows_every_live_version(self):
        self.activate_v2()
        self.v2.with_user(self.reviewer).action_make_default()
        self.v1.with_user(self.reviewer).sunset_at = fields.Datetime.now() + timedelta(
            days=10
        )
        self.v1.with_user(self.reviewer).action_deprecate()
        spec = self.url_open("/api/construction/v1/openapi.json").json()
        validate(spec)
        paths = spec["paths"]
        self.assertTrue(paths["/flows/partner.upsert/v1"]["post"]["deprecated"])
        self.assertFalse(
            paths[f"/flows/partner.upsert/v{self.v2.number}"]["post"]["deprecated"]
        )
        self.assertIn(
            "ref", spec["components"]["schemas"]["PartnerUpsertPayload"]["required"]
        )
        self.assertIn("/flows/echo/v1", paths)
        self.assertIn("/flows/echo", paths)

    def test_attack_over_xmlrpc_with_a_manager_password(self):
        db = self.env.cr.dbname
        login = self.proposer.login
        uid = self.xmlrpc_common.authenticate(db, login, login, {})
        self.assertEqual(uid, self.proposer.id)
        version = "integration.flow.version"
        attempts = [
            (version, "write", [[self.v1.id], {"json_schema": json.dumps(STRICT)}]),
            (version, "write", [[self.v2.id], {"state": "current"}]),
            (version, "action_activate", [[self.v2.id]]),
            (
                "integration.flow",
                "write",
                [[self.partner_flow.id], {"json_schema": "{}"}],
            ),
        ]
        for model, method, args in attempts:
            with self.assertRaises(xmlrpc.client.Fault), self.subTest(method=method):
                self.xmlrpc_object.execute_kw(
                    db,
                    uid,
                    login,
                    model,
                    method,
                    args,
                    {"context": {"install_mode": True, "tracking_disable": True}},
                )
        self.v2.invalidate_recordset()
        self.assertEqual(self.v2.state, "draft")
