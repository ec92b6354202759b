import json

from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
    perform_jobs,
)

API = "/api/construction/v1"


@tagged("post_install", "-at_install")
class TestJobFlowsOverHttp(FlowHttpMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flows = cls.env["integration.flow"].search(
            [
                (
                    "code",
                    "in",
                    [
                        "partner.upsert",
                        "job.upsert",
                        "phase.upsert",
                        "cost_code.upsert",
                        "budget.import",
                        "change_order.upsert",
                    ],
                )
            ]
        )
        cls.system, cls.key = make_system(
            cls.env,
            "procore_test",
            flows,
            groups=[
                "base.group_partner_manager",
                "construction_project_sync.group_project_controller",
            ],
        )

    def post(self, flow, payload, key):
        return self.post_flow(flow, payload, key)

    def sync(self, flow, payload, key, expect=202):
        return self.sync_flow(flow, payload, key, expect)

    def resolve(self, model, external_id):
        return self.env["integration.mapping"]._resolve(self.system, model, external_id)

    def test_job_with_cost_codes_budget_and_change_order_end_to_end(self):
        self.sync(
            "partner.upsert", {"external_id": "C-9", "name": "School Board"}, "p1"
        )
        message = self.sync(
            "job.upsert",
            {
                "external_id": "PRJ-77",
                "job_number": "J-2026-077",
                "name": "North School Gym",
                "customer_external_id": "C-9",
                "contract_value": 950000,
                "job_state": "active",
            },
            "j1",
        )
        self.assertEqual(message.state, "done", message.error_message)
        job = self.resolve("project.project", "PRJ-77")
        self.assertTrue(job.is_job and job.account_id)
        self.assertEqual(job.company_id, self.system.company_id)
        self.assertEqual(job.partner_id.name, "School Board")
        self.assertEqual(message.lineage_ids.res_id, job.id)
        self.sync(
            "phase.upsert",
            {
                "external_id": "PH-1",
                "job_external_id": "PRJ-77",
                "code": "10",
                "name": "Slab",
            },
            "ph1",
        )
        self.assertEqual(job.phase_ids.code, "10")
        # a batch of cost codes
        batch = [
            {
                "idempotency_key": f"cc-{code}",
                "payload": {"code": code, "name": name, "cost_type": cost_type},
            }
            for code, name, cost_type in [
                ("H-03300", "Concrete", "material"),
                ("H-03310", "Placing", "labor"),
            ]
        ]
        response = self.url_open(
            f"{API}/flows/cost_code.upsert",
            data=json.dumps(batch).encode(),
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
            },
        )
        self.assertEqual(response.status_code, 202, response.text)
        perform_jobs(self.env)
        concrete = self.resolve("construction.cost.code", "H-03300")
        self.assertEqual(concrete.analytic_account_id.plan_id.name, "Cost Codes")
        # an estimate becomes a draft budget; resending it creates nothing new
        estimate = {
            "external_id": "EST-5",
            "job_external_id": "PRJ-77",
            "lines": [
                {
                    "cost_code": "H-03300",
                    "phase_code": "10",
                    "quantity": 100,
                    "unit_cost": 150,
                },
                {"cost_code": "H-03310", "amount": 9000},
            ],
        }
        self.sync("budget.import", estimate, "b1")
        again = self.post("budget.import", estimate, "b1")
        self.assertEqual(again.status_code, 200)
        budget = self.resolve("construction.budget", "EST-5")
        self.assertEqual((budget.state, budget.amount_total), ("draft", 24000))
        self.assertEqual(len(job.budget_ids), 1)
        budget.action_approve()
        # a change order marked approved upstream waits as pending in Odoo
        message = self.sync(
            "change_order.upsert",
            {
                "external_id": "CO-PRJ-77-1",
                "job_external_id": "PRJ-77",
                "number": "CO-1",
                "title": "Thicker slab",
                "status": "approved",
                "lines": [
                    {"cost_code": "H-03300", "cost_amount": 3000, "price_amount": 3600}
                ],
            },
            "co1",
        )
        change_order = self.resolve("construction.change.order", "CO-PRJ-77-1")
        self.assertEqual(change_order.state, "pending")
        self.assertIn("waits as pending", message.attempt_ids.error_message)
        self.assertEqual(job.revised_contract_value, 950000)
        change_order.action_approve()
        self.env.flush_all()
        # job cost over the API, by the system's external id
        response = self.url_open(
            f"{API}/jobs/PRJ-77/job-cost",
            headers={"Authorization": f"Bearer {self.key}"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertEqual(body["job"]["number"], "J-2026-077")
        self.assertEqual(body["totals"]["revised_budget"], 27000, body)
        self.assertEqual(body["totals"]["approved_changes"], 3000)
        by_number = self.url_open(
            f"{API}/jobs/J-2026-077/job-cost",
            headers={"Authorization": f"Bearer {self.key}"},
        )
        self.assertEqual(by_number.json()["totals"], body["totals"])
        missing = self.url_open(
            f"{API}/jobs/NOPE/job-cost", headers={"Authorization": f"Bearer {self.key}"}
        )
        self.assertEqual(
            (missing.status_code, missing.json()["code"]), (404, "not_found")
        )

    def test_bad_and_out_of_order_payloads(self):
        bad = self.post("job.upsert", {"external_id": "X"}, "bad1")
        self.assertEqual(bad.status_code, 422)
        self.assertEqual(bad.json()["code"], "schema_validation_failed")
        # a phase of a job Odoo does not know yet waits and retries
        message = self.sync(
            "phase.upsert",
            {
                "external_id": "PH-X",
                "job_external_id": "PRJ-LATE",
                "code": "1",
                "name": "x",
            },
            "late1",
        )
        self.assertEqual(
            (message.state, message.error_code), ("failed", "unknown_reference")
        )
        self.sync(
            "job.upsert",
            {"external_id": "PRJ-LATE", "job_number": "J-LATE", "name": "Late job"},
            "late-job",
        )
        perform_jobs(self.env, include_future=True)
        self.assertEqual(message.state, "done")

    def test_odoo_keeps_the_financial_fields(self):
        """The rule ships as data (noupdate: an admin's change stays), not as demo:
        a fresh database without demo data has it too."""
        rule = self.env.ref("construction_project_sync.ownership_job_finance")
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "construction_project_sync"),
                ("name", "=", "ownership_job_finance"),
            ]
        )
        self.assertTrue(data.noupdate)
        manifest = self.env["ir.module.module"].get_module_info(
            "construction_project_sync"
        )
        self.assertIn("data/integration_ownership_data.xml", manifest["data"])
        self.assertFalse(rule.owner_system_id)
        job_payload = {
            "external_id": "PRJ-OWN",
            "job_number": "J-OWN",
            "name": "Owned fields",
            "contract_value": 500000,
        }
        self.sync("job.upsert", job_payload, "own1")
        job = self.resolve("project.project", "PRJ-OWN")
        job.contract_value = 480000  # finance's figure
        message = self.sync(
            "job.upsert",
            dict(job_payload, contract_value=999999, name="Renamed"),
            "own2",
        )
        self.assertEqual(message.state, "done")
        self.assertEqual((job.name, job.contract_value), ("Renamed", 480000))
        self.assertTrue(
            self.env["integration.exception"].search(
                [
                    ("reason_code", "=", "field_owned_by_other_system"),
                    ("res_id", "=", job.id),
                ]
            )
        )

    def test_pending_change_order_keeps_its_figures(self):
        self.sync(
            "job.upsert",
            {"external_id": "PRJ-CO", "job_number": "J-CO", "name": "CO job"},
            "co-job",
        )
        self.sync(
            "cost_code.upsert",
            {"code": "H-09000", "name": "Finishes", "cost_type": "material"},
            "co-cc",
        )
        payload = {
            "external_id": "CO-R-1",
            "job_external_id": "PRJ-CO",
            "number": "CO-1",
            "title": "Extra paint",
            "status": "pending",
            "lines": [
                {"cost_code": "H-09000", "cost_amount": 1000, "price_amount": 1200}
            ],
        }
        self.sync("change_order.upsert", payload, "co-r1")
        change_order = self.resolve("construction.change.order", "CO-R-1")
        self.assertEqual(
            (change_order.state, change_order.cost_total), ("pending", 1000)
        )
        lines = change_order.line_ids
        # the PM platform doubles the figures while the approver reviews them
        changed = dict(
            payload,
            title="Extra paint, two coats",
            lines=[{"cost_code": "H-09000", "cost_amount": 2000, "price_amount": 2400}],
        )
        message = self.sync("change_order.upsert", changed, "co-r2")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(change_order.line_ids, lines)
        self.assertEqual(
            (change_order.cost_total, change_order.price_total), (1000, 1200)
        )
        self.assertEqual(change_order.name, "Extra paint, two coats")
        exception = self.env["integration.exception"].search(
            [
                ("reason_code", "=", "change_order_under_review"),
                ("res_id", "=", change_order.id),
            ]
        )
        self.assertEqual(len(exception), 1)
        self.assertIn("replay", exception.description)
        # the same figures again change nothing and raise nothing
        self.sync("change_order.upsert", dict(payload, title="Paint"), "co-r3")
        self.assertEqual(change_order.line_ids, lines)
        self.assertEqual(
            self.env["integration.exception"].search_count(
                [("reason_code", "=", "change_order_under_review")]
            ),
            1,
        )
        # back to draft: the new figures apply on the next message
        change_order.action_reset_draft()
        self.sync("change_order.upsert", changed, "co-r4")
        self.assertEqual(
            (change_order.state, change_order.cost_total), ("pending", 2000)
        )
