# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.integration_queue.tests.common import ingest, perform_jobs

from .consumption_common import consumed, returned
from .test_material_consumption import ConsumptionCase


@tagged("post_install", "-at_install")
class TestMaterialReturn(ConsumptionCase):
    """A correction of consumption is a return: the stock comes back to the van
    as a return of the consumption's move, and the job cost gives back that share,
    once."""

    def run_return(self, payloads, prefix=None):
        # a key of its own per report unless a test resends one on purpose
        prefix = prefix or payloads[0]["external_id"]
        results = ingest(
            self.env, self.system, self.return_flow, payloads, prefix=prefix
        )
        perform_jobs(self.env)
        messages = self.env["integration.message"].browse(
            [result["message_id"] for result in results]
        )
        messages.invalidate_recordset()
        return messages

    def test_worked_example_gives_back_stock_and_job_cost(self):
        """6 pipes used (75.00 of job cost), 2 brought back to the van: the van
        holds 16, job cost carries 50.00, stock is worth 200.00 again."""
        self.run_flow([consumed("USE-R1", 6)])
        message = self.run_return([returned("RET-1", "USE-R1", 2)])
        self.assertEqual(message.state, "done", message.error_message)
        use = self.Consumption.search([("external_id", "=", "USE-R1")])
        back = self.Consumption.search([("external_id", "=", "RET-1")])
        self.assertEqual(back.returned_consumption_id, use)
        self.assertEqual(use.return_ids, back)
        self.assertEqual(
            (back.quantity, back.product_qty, back.value, back.amount),
            (-2.0, -2.0, -25.0, -25.0),
        )
        self.assertEqual(self.on_hand(), 16)
        move = back.stock_move_id
        self.assertEqual(move.origin_returned_move_id, use.stock_move_id)
        self.assertEqual((move.location_dest_id, move.state), (self.van, "done"))
        self.assertEqual(move.stock_valuation_layer_ids.value, 25.0)
        valuation = self.env["stock.valuation.layer"].search(
            [("product_id", "=", self.pipe.id)]
        )
        self.assertEqual(sum(valuation.mapped("value")), 200.0)
        self.assertEqual(back.analytic_line_id.amount, 25.0)
        self.assertEqual(back.analytic_line_id.unit_amount, -2.0)
        self.assertEqual(str(back.analytic_line_id.date), "2026-12-01")
        self.assertEqual(self.job_cost_actual(), 50.0)
        self.assertEqual(use._returnable_qty(), 4.0)
        # consumed and moved agree, net of the return
        check = self.env.ref("ap_matching.reconciliation_check_consumption_moves")
        self.assertFalse(check._run(self.company).drift_ids)

    def test_same_return_twice_moves_stock_once(self):
        self.run_flow([consumed("USE-R2", 6)])
        first = self.run_return([returned("RET-2", "USE-R2", 2)], prefix="a")
        again = self.run_return([returned("RET-2", "USE-R2", 2)], prefix="b")
        self.assertEqual((first.state, again.state), ("done", "done"))
        self.assertEqual(self.on_hand(), 16)
        self.assertEqual(self.job_cost_actual(), 50.0)

    def test_no_more_comes_back_than_was_used(self):
        self.run_flow([consumed("USE-R3", 6)])
        self.run_return([returned("RET-3a", "USE-R3", 4)])
        message = self.run_return([returned("RET-3b", "USE-R3", 3)])
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_code, "return_exceeds_consumed")
        self.assertIn("2 Units of that report are left", message.error_message)
        self.assertEqual(self.on_hand(), 18)
        self.assertEqual(self.job_cost_actual(), 25.0)
        # a return names a consumption, never another return
        message = self.run_return([returned("RET-3c", "RET-3a", 1)])
        self.assertEqual(message.error_code, "not_a_consumption")
        self.assertEqual(self.on_hand(), 18)

    def test_a_return_that_overtook_its_report_waits_for_it(self):
        early = self.run_return([returned("RET-4", "USE-R4", 1)])
        self.assertEqual(early.error_code, "unknown_reference")
        self.assertNotEqual(early.state, "dead")
        self.run_flow([consumed("USE-R4", 3)])
        early.action_replay()
        perform_jobs(self.env)
        early.invalidate_recordset()
        self.assertEqual(early.state, "done", early.error_message)
        self.assertEqual(self.on_hand(), 18)
        self.assertEqual(self.job_cost_actual(), 25.0)

    def test_a_return_to_another_van_in_a_frozen_period_waits(self):
        self.run_flow([consumed("USE-R5", 4)])
        self.env["integration.freeze"].create(
            {
                "name": "Test December close",
                "company_id": self.company.id,
                "date_from": "2026-12-01",
                "date_to": "2026-12-31",
            }
        )
        message = self.run_return(
            [returned("RET-5", "USE-R5", 1, location_external_id="VAN-12")]
        )
        self.assertEqual(message.state, "deferred")
        self.assertEqual(self.on_hand(), 16)
