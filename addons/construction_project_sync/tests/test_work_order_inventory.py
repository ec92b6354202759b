# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged

from odoo.addons.integration_queue.tests.common import (
    ingest,
    make_system,
    perform_jobs,
)


@tagged("post_install", "-at_install")
class TestWorkOrderInventory(TransactionCase):
    """work_order.inventory and the check of the platform's open work orders
    against Odoo's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.upsert = env.ref("construction_project_sync.flow_work_order_upsert")
        cls.inventory = env.ref("construction_project_sync.flow_work_order_inventory")
        cls.system, _key = make_system(
            env,
            "fieldsvc_inventory_test",
            cls.upsert | cls.inventory,
            groups=["construction_project_sync.group_project_manager"],
        )
        cls.job = env["project.project"].create(
            {"name": "Test Inventory Job", "is_job": True, "job_number": "T-INV-1"}
        )
        env["integration.mapping"]._link(cls.system, cls.job, "JOB-INV")
        cls.check = env.ref(
            "construction_project_sync.reconciliation_check_work_order_inventory"
        )

    def send(self, flow, payloads, prefix):
        results = ingest(self.env, self.system, flow, payloads, prefix=prefix)
        perform_jobs(self.env)
        messages = self.env["integration.message"].browse(
            [result["message_id"] for result in results]
        )
        messages.invalidate_recordset()
        return messages

    def work_order(self, ref, job="JOB-INV"):
        return {"external_id": ref, "job_external_id": job, "title": f"Order {ref}"}

    def drift(self):
        return self.check._run(self.env.company).drift_ids

    def test_missing_and_stale_work_orders_are_listed_and_missing_ones_fixed(self):
        upserts = self.send(
            self.upsert,
            [
                self.work_order("WO-1"),
                self.work_order("WO-2"),
                # its job is unknown: the upsert fails and the task is missing
                self.work_order("WO-3", job="JOB-NONE"),
            ],
            "u",
        )
        self.assertEqual(upserts.mapped("state")[:2], ["done", "done"])
        self.assertNotEqual(upserts[2].state, "done")
        # WO-2 was closed on the platform but its status never came; WO-4 was
        # never sent
        inventory = self.send(
            self.inventory,
            [
                {
                    "as_of": "2099-01-01T05:00:00Z",
                    "work_orders": [
                        {"external_id": "WO-1"},
                        {"external_id": "WO-3", "title": "Order WO-3"},
                        {"external_id": "WO-4", "title": "Order WO-4"},
                    ],
                }
            ],
            "i",
        )
        self.assertEqual(inventory.state, "done", inventory.error_message)
        drift = self.drift()
        by_ref = {line.reference.split()[-1]: line for line in drift}
        self.assertEqual(set(by_ref), {"WO-2", "WO-3", "WO-4"})
        self.assertEqual(by_ref["WO-3"].res_id, upserts[2].id)
        self.assertTrue(by_ref["WO-3"].fixable)
        self.assertFalse(by_ref["WO-4"].fixable)
        self.assertEqual(by_ref["WO-2"].res_model, "project.task")
        self.assertFalse(by_ref["WO-2"].fixable)
        # the job arrives; the fix replays WO-3's upsert, which now creates it
        late_job = self.env["project.project"].create(
            {"name": "Test Late Job", "is_job": True, "job_number": "T-INV-2"}
        )
        self.env["integration.mapping"]._link(self.system, late_job, "JOB-NONE")
        self.env["construction.work.order.inventory.reconciliation"]._fix(
            by_ref["WO-3"]
        )
        perform_jobs(self.env)
        self.assertTrue(
            self.env["integration.mapping"]._resolve(
                self.system, "project.task", "WO-3"
            )
        )
        self.assertEqual(
            {line.reference.split()[-1] for line in self.drift()}, {"WO-2", "WO-4"}
        )

    def test_only_the_newest_inventory_counts(self):
        self.send(self.upsert, [self.work_order("WO-5")], "u")
        self.send(
            self.inventory,
            [
                {"as_of": "2099-01-02T05:00:00Z", "work_orders": []},
                {
                    "as_of": "2099-01-01T05:00:00Z",
                    "work_orders": [{"external_id": "WO-9"}],
                },
            ],
            "i",
        )
        # the newest list is empty: WO-5 is stale, WO-9 of the older list is not
        drift = self.drift()
        self.assertEqual(drift.mapped("reference"), [f"{self.system.name} WO-5"])
