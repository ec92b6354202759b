import json

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import FlowHttpMixin, make_system
from odoo.addons.integration_queue.tests.test_dry_run import database_state

API = "/api/construction/v1"


@tagged("post_install", "-at_install")
class TestJobDryRunOverHttp(FlowHttpMixin, HttpCase):
    """A new system tries its job feed against production rules before go-live."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flows = cls.env["integration.flow"].search(
            [("code", "in", ["partner.upsert", "job.upsert"])]
        )
        cls.system, cls.key = make_system(
            cls.env,
            "dry_run_jobs",
            flows,
            groups=[
                "base.group_partner_manager",
                "construction_project_sync.group_project_controller",
            ],
        )

    def dry_run(self, payload):
        return self.url_open(
            f"{API}/flows/job.upsert?dry_run=true",
            data=json.dumps(payload).encode(),
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
            },
        )

    def test_job_upsert_dry_run_answers_the_would_be_changes(self):
        self.sync_flow("partner.upsert", {"external_id": "C-1", "name": "City"}, "p1")
        message = self.sync_flow(
            "job.upsert",
            {
                "external_id": "PRJ-1",
                "job_number": "J-001",
                "name": "Library Roof",
                "customer_external_id": "C-1",
                "contract_value": 100000,
            },
            "j1",
        )
        self.assertEqual(message.state, "done", message.error_message)
        job = self.env["integration.mapping"]._resolve(
            self.system, "project.project", "PRJ-1"
        )
        self.env.cr.precommit.run()
        self.env.flush_all()
        before = database_state(self.env.cr)
        response = self.dry_run(
            [
                {
                    "idempotency_key": "a",
                    "payload": {
                        "external_id": "PRJ-1",
                        "job_number": "J-001",
                        "name": "Library Roof and Gutters",
                        "contract_value": 125000,
                    },
                },
                {
                    "idempotency_key": "b",
                    "payload": {
                        "external_id": "PRJ-2",
                        "job_number": "J-002",
                        "name": "Fire Station",
                        "customer_external_id": "C-1",
                    },
                },
                {
                    "idempotency_key": "c",
                    "payload": {
                        "external_id": "PRJ-3",
                        "job_number": "J-003",
                        "name": "Unknown Customer",
                        "customer_external_id": "C-404",
                    },
                },
            ]
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.env.flush_all()
        self.assertEqual(database_state(self.env.cr), before)
        update, create, unknown = response.json()["items"]
        [change] = [r for r in update["records"] if r["model"] == "project.project"]
        self.assertEqual(
            (change["action"], change["external_id"], change["id"]),
            ("update", "PRJ-1", job.id),
        )
        self.assertEqual(
            change["changes"]["name"],
            {"old": "Library Roof", "new": "Library Roof and Gutters"},
        )
        self.assertNotIn("job_number", change["changes"])
        # Odoo owns the contract value: the system's change would be ignored, noted
        # and opened as an exception
        self.assertNotIn("contract_value", change["changes"])
        self.assertTrue(any("contract_value" in note for note in update["notes"]))
        self.assertIn(
            "field_owned_by_other_system",
            {exc["reason_code"] for exc in update["exceptions"]},
        )
        [new_job] = [r for r in create["records"] if r["model"] == "project.project"]
        self.assertEqual(
            (new_job["action"], new_job["external_id"]), ("create", "PRJ-2")
        )
        self.assertEqual(new_job["values"]["partner_id"], "City")
        # the job's analytic account comes with it
        self.assertIn(
            "account.analytic.account", {r["model"] for r in create["records"]}
        )
        self.assertEqual(
            (unknown["outcome"], unknown["error"]["code"]),
            ("failed", "unknown_reference"),
        )
        self.assertFalse(
            self.env["integration.mapping"]._resolve(
                self.system, "project.project", "PRJ-2"
            )
        )
        job.invalidate_recordset()
        self.assertEqual(job.name, "Library Roof")
