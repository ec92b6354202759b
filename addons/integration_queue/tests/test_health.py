import json

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestHealth(HttpCase):
    def test_health_reports_versions_and_queue_without_auth(self):
        response = self.url_open("/api/construction/v1/health")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/json")
        body = json.loads(response.text)
        self.assertEqual(body["status"], "ok")
        self.assertTrue(body["odoo_version"].startswith("18.0"))
        self.assertEqual(
            set(body["suite"]),
            {
                "integration_queue",
                "construction_project_sync",
                "equipment_costing",
                "ap_matching",
            },
        )
        self.assertEqual(body["database"]["state"], "ok")
        self.assertIn("jobs_waiting", body["queue"])
        # no secrets: nothing that looks like a key, a password or a payload
        self.assertNotRegex(response.text.lower(), "password|secret|apikey|payload")
