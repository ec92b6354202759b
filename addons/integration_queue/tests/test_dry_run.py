import json

import jsonschema

from odoo.tests import new_test_user, tagged

from ..lib import dry_run
from .test_api import API, ApiCase


def database_state(cr):
    """Row counts of every table, the ir.sequence rows and the values of the
    standard sequences' PostgreSQL sequences."""
    cr.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    counts = {}
    for (table,) in cr.fetchall():
        cr.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cr.fetchone()[0]
    cr.execute("SELECT id, number_next FROM ir_sequence ORDER BY id")
    rows = cr.fetchall()
    cr.execute(
        "SELECT sequencename, last_value FROM pg_sequences "
        "WHERE sequencename LIKE 'ir_sequence_%' ORDER BY 1"
    )
    return counts, rows, cr.fetchall()


@tagged("post_install", "-at_install")
class TestDryRun(ApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create(
            {"name": "Old Name", "city": "Lyon"}
        )
        cls.env["integration.mapping"]._link(cls.system, cls.partner, "DR-1")

    def dry_run(self, payload, path="/flows/partner.upsert", headers=None):
        return self.post(f"{path}?dry_run=true", payload, headers=headers)

    def test_dry_run_answers_the_changes_and_leaves_the_database_as_it_was(self):
        # what the setup left to write at commit (its bus notifications) is written
        # now, as the request's commit would
        self.env.cr.precommit.run()
        self.env.flush_all()
        before = database_state(self.env.cr)
        response = self.dry_run(
            [
                {
                    "idempotency_key": "a",
                    "payload": {"external_id": "DR-1", "name": "New Name"},
                },
                {
                    "idempotency_key": "b",
                    "payload": {"external_id": "DR-2", "name": "Brand New"},
                },
                {"idempotency_key": "c", "payload": {"external_id": "DR-3"}},
            ]
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.env.flush_all()
        self.assertEqual(database_state(self.env.cr), before)
        # the answer is what the published document says a dry run answers
        spec = self.url_open(f"{API}/openapi.json").json()
        answer = spec["paths"]["/flows/partner.upsert"]["post"]["responses"]["200"]
        jsonschema.validate(
            response.json(),
            {
                **answer["content"]["application/json"]["schema"],
                "components": spec["components"],
            },
        )
        update, create, rejected = response.json()["items"]
        self.assertEqual(update["outcome"], "done")
        [record] = update["records"]
        self.assertEqual(
            (record["model"], record["action"], record["external_id"], record["id"]),
            ("res.partner", "update", "DR-1", self.partner.id),
        )
        self.assertEqual(
            record["changes"]["name"], {"old": "Old Name", "new": "New Name"}
        )
        self.assertNotIn("city", record["changes"])
        [record] = [r for r in create["records"] if r["model"] == "res.partner"]
        self.assertEqual((record["action"], record["external_id"]), ("create", "DR-2"))
        self.assertEqual(record["values"]["name"], "Brand New")
        self.assertEqual((rejected["outcome"], rejected["status"]), ("rejected", 422))
        self.assertEqual(rejected["validation_errors"][0]["path"], "/")
        self.partner.invalidate_recordset()
        self.assertEqual(self.partner.name, "Old Name")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Brand New")]))

    def test_dry_run_tells_which_rule_would_refuse_it(self):
        self.env["integration.ownership"].create(
            {
                "model_id": self.env.ref("base.model_res_partner").id,
                "field_ids": [
                    (6, 0, [self.env.ref("base.field_res_partner__name").id])
                ],
                "on_conflict": "refuse",
            }
        )
        response = self.dry_run({"external_id": "DR-1", "name": "Renamed"})
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertTrue(body["dry_run"])
        self.assertEqual(body["outcome"], "failed")
        self.assertEqual(body["error"]["code"], "field_owned_by_other_system")
        self.assertEqual(
            body["exceptions"][0]["reason_code"], "field_owned_by_other_system"
        )
        self.assertTrue(body["exceptions"][0]["dead_letter"])
        self.assertFalse(
            self.env["integration.exception"].search(
                [("system_id", "=", self.system.id)]
            )
        )

    def test_dry_run_needs_the_same_key_and_flow_as_a_real_call(self):
        response = self.post(
            "/flows/partner.upsert?dry_run=true", {"external_id": "X"}, key=False
        )
        self.assertEqual(response.status_code, 401)
        other = self.env["integration.flow"].create(
            {"code": "dr.other", "name": "Other"}
        )
        response = self.dry_run({}, path=f"/flows/{other.code}")
        self.assertProblem(response, 403, "flow_not_enabled")
        response = self.post(
            "/flows/partner.upsert?dry_run=maybe", {"external_id": "X", "name": "Y"}
        )
        self.assertProblem(response, 400, "invalid_request")

    def test_dry_run_previews_standard_sequence_numbers_without_taking_them(self):
        sequence = self.env["ir.sequence"].create(
            {"name": "DR", "implementation": "standard", "prefix": "DR/", "padding": 3}
        )
        self.assertEqual(sequence.next_by_id(), "DR/001")
        recorder = dry_run.start(self.env.cr)
        try:
            numbers = [sequence.next_by_id(), sequence.next_by_id()]
        finally:
            dry_run.stop(self.env.cr)
        self.assertEqual(numbers, ["DR/002", "DR/003"])
        self.assertEqual(recorder.sequence_taken, {f"{sequence.id:03d}": 2})
        self.assertEqual(sequence.next_by_id(), "DR/002")

    def test_the_wizard_tries_pasted_payloads_without_storing_them(self):
        manager = new_test_user(
            self.env,
            "dr_manager",
            groups="base.group_user,integration_queue.group_integration_manager",
        )
        wizard = (
            self.env["integration.dry.run.wizard"]
            .with_user(manager)
            .create(
                {
                    "system_id": self.system.id,
                    "flow_id": self.partner_flow.id,
                    "payload": json.dumps({"external_id": "DR-9", "name": "Wizard Co"}),
                }
            )
        )
        messages = self.env["integration.message"].search_count([])
        wizard.action_run()
        [report] = json.loads(wizard.result)
        self.assertEqual(report["outcome"], "done")
        self.assertIn("Wizard Co", wizard.result_html)
        self.assertEqual(self.env["integration.message"].search_count([]), messages)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Wizard Co")]))
