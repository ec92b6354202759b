from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import FlowHttpMixin, make_system

API = "/api/construction/v1"
MANAGER = "base.group_user,integration_queue.group_integration_manager"


@tagged("post_install", "-at_install")
class TestJobUpsertV2OverHttp(FlowHttpMixin, HttpCase):
    """Version 2 of job.upsert, the PM platform's own job resource, through the
    real API: proposed in the data, activated by a manager, read by its adapter
    into the one processor, beside version 1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flows = cls.env["integration.flow"].search(
            [("code", "in", ["partner.upsert", "job.upsert"])]
        )
        cls.system, cls.key = make_system(
            cls.env,
            "jobs_v2",
            flows,
            groups=[
                "base.group_partner_manager",
                "construction_project_sync.group_project_controller",
            ],
        )
        cls.v2 = cls.env.ref("construction_project_sync.flow_job_upsert_v2")
        cls.manager = new_test_user(cls.env, "jobs_v2_manager", groups=MANAGER)

    def paths(self):
        return self.url_open(f"{API}/openapi.json").json()["paths"]

    def test_v2_is_proposed_then_live_and_lands_as_v1_would(self):
        self.assertEqual((self.v2.number, self.v2.state), (2, "draft"))
        self.assertNotIn("/flows/job.upsert/v2", self.paths())
        payload = {
            "id": "PM-9001",
            "number": "J-2026-090",
            "name": "Harbour Pump Station",
            "customer": {"id": "CUST-9"},
            "contract": {"value": 2400000, "retention_percent": 5},
            "status": "in_progress",
            "schedule": {"start": "2026-03-01", "finish": None},
        }
        refused = self.post_flow("job.upsert/v2", payload, "v2-0")
        self.assertEqual(refused.status_code, 404, refused.text)
        self.assertEqual(refused.json()["code"], "unknown_flow_version")

        self.v2.with_user(self.manager).action_activate()
        self.assertIn("/flows/job.upsert/v2", self.paths())
        self.sync_flow(
            "partner.upsert", {"external_id": "CUST-9", "name": "Port"}, "c9"
        )
        message = self.sync_flow("job.upsert/v2", payload, "v2-1")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(message.flow_version_id, self.v2)
        job = self.env["integration.mapping"]._resolve(
            self.system, "project.project", "PM-9001"
        )
        self.assertRecordValues(
            job,
            [
                {
                    "is_job": True,
                    "job_number": "J-2026-090",
                    "name": "Harbour Pump Station",
                    "contract_value": 2400000,
                    "retention_percent": 5,
                    "job_state": "active",
                    "partner_id": self.env["integration.mapping"]
                    ._resolve(self.system, "res.partner", "CUST-9")
                    .id,
                }
            ],
        )
        self.assertEqual(str(job.date_start), "2026-03-01")
        # v1 and v2 share the mapping: the same job, updated, never a second one
        again = self.sync_flow(
            "job.upsert",
            {
                "external_id": "PM-9001",
                "job_number": "J-2026-090",
                "name": "Harbour Pump Station (phase 1)",
            },
            "v1-1",
        )
        self.assertEqual(again.state, "done", again.error_message)
        self.assertEqual(job.name, "Harbour Pump Station (phase 1)")
        self.assertEqual(
            self.env["project.project"].search_count(
                [("job_number", "=", "J-2026-090")]
            ),
            1,
        )
        # v2's own schema, not v1's: its words are refused by v1's shape
        bad = self.post_flow("job.upsert/v2", {"id": "PM-9002", "name": "X"}, "v2-2")
        self.assertEqual(bad.status_code, 422, bad.text)
        self.assertEqual(bad.json()["code"], "schema_validation_failed")
