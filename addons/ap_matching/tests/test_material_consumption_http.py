# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from odoo.addons.integration_queue.tests.common import FlowHttpMixin, perform_jobs

from .consumption_common import consumed, returned, setup_consumption


@tagged("post_install", "-at_install")
class TestMaterialConsumptionOverHttp(FlowHttpMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        setup_consumption(cls, code="field_consume_http")
        perform_jobs(cls.env)

    def on_hand(self):
        return self.env["stock.quant"]._get_available_quantity(self.pipe, self.van)

    def test_duplicates_move_stock_once(self):
        payload = consumed("HTTP-USE-1", 5)
        first = self.sync_flow("material.consumed", payload, "use-1")
        self.assertEqual(first.state, "done", first.error_message)
        # the same key again: the hub answers the original, nothing is queued
        again = self.post_flow("material.consumed", payload, "use-1")
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        # the same report under another key (a device resending): linked, once
        other = self.sync_flow("material.consumed", payload, "use-1-resent")
        self.assertEqual(other.state, "done", other.error_message)
        self.assertEqual(self.on_hand(), 15)
        consumption = self.env["construction.material.consumption"].search(
            [("external_id", "=", "HTTP-USE-1")]
        )
        self.assertEqual(len(consumption), 1)
        self.assertEqual(consumption.amount, 62.5)

    def test_a_bad_report_is_a_problem_not_an_error_page(self):
        response = self.post_flow(
            "material.consumed", consumed("HTTP-USE-2", -3), "use-2"
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(
            response.headers["Content-Type"].split(";")[0], "application/problem+json"
        )
        self.assertEqual(response.json()["code"], "schema_validation_failed")
        self.assertEqual(self.on_hand(), 20)

    def test_not_enough_stock_is_stored_failed_with_its_reason(self):
        message = self.sync_flow("material.consumed", consumed("HTTP-USE-3", 21), "u3")
        self.assertEqual(message.state, "dead")
        self.assertEqual(message.error_code, "insufficient_stock")
        response = self.url_open(
            f"/api/construction/v1/messages/{message.id}",
            headers={"Authorization": f"Bearer {self.key}"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["error"]["code"], "insufficient_stock")

    def test_a_return_over_http_gives_back_stock_and_job_cost_once(self):
        self.sync_flow("material.consumed", consumed("HTTP-USE-4", 6), "u4")
        message = self.sync_flow(
            "material.returned", returned("HTTP-RET-4", "HTTP-USE-4", 2), "r4"
        )
        self.assertEqual(message.state, "done", message.error_message)
        again = self.sync_flow(
            "material.returned", returned("HTTP-RET-4", "HTTP-USE-4", 2), "r4-again"
        )
        self.assertEqual(again.state, "done", again.error_message)
        self.assertEqual(self.on_hand(), 16)
        back = self.env["construction.material.consumption"].search(
            [("external_id", "=", "HTTP-RET-4")]
        )
        self.assertEqual((len(back), back.amount), (1, -25.0))
        response = self.post_flow(
            "material.returned", returned("HTTP-RET-5", "HTTP-USE-4", 0), "r5"
        )
        self.assertEqual(response.status_code, 422, response.text)
        self.assertEqual(response.json()["code"], "schema_validation_failed")
