from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import FlowHttpMixin, make_system

from .common import APPROVER_GROUPS

API = "/api/construction/v1"


@tagged("post_install", "-at_install")
class TestForecastFlowOverHttp(FlowHttpMixin, HttpCase):
    """forecast.update from the PM platform, over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system, cls.key = make_system(
            cls.env,
            "pm_forecast_test",
            cls.env.ref("construction_project_sync.flow_forecast_update"),
            groups=["construction_project_sync.group_project_controller"],
        )
        cls.job = cls.env["project.project"].create(
            {"name": "Forecast Hall", "is_job": True, "job_number": "FC-001"}
        )
        cls.concrete = cls.env["construction.cost.code"].create(
            {"code": "FC-03300", "name": "Concrete", "cost_type": "material"}
        )
        cls.approver = new_test_user(
            cls.env, "forecast_flow_approver", groups=APPROVER_GROUPS
        )

    def payload(self, ftc=42000, cost_code="FC-03300", **extra):
        return {
            "external_id": "FCST-2026-11",
            "job_number": "FC-001",
            "period": "2026-11",
            "lines": [
                {
                    "cost_code": cost_code,
                    "forecast_to_complete": ftc,
                    "note": "rebar up",
                }
            ],
            **extra,
        }

    def forecasts(self):
        return self.env["construction.forecast"].search([("job_id", "=", self.job.id)])

    def test_forecast_update_end_to_end(self):
        message = self.sync_flow("forecast.update", self.payload(), "f1")
        self.assertEqual(message.state, "done", message.error_message)
        forecast = self.forecasts()
        self.assertEqual(len(forecast), 1)
        self.assertEqual(
            (forecast.state, str(forecast.period_date), forecast.forecast_to_complete),
            ("draft", "2026-11-01", 42000),
        )
        self.assertEqual(forecast.line_ids.cost_code_id, self.concrete)
        self.assertEqual(message.lineage_ids.res_id, forecast.id)
        # the same key and payload: answered as before, nothing runs again
        again = self.post_flow("forecast.update", self.payload(), "f1")
        self.assertEqual(again.status_code, 200, again.text)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        # the same forecast corrected under a new key: the draft is updated
        message = self.sync_flow("forecast.update", self.payload(ftc=40000), "f2")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertEqual(self.forecasts(), forecast)
        self.assertEqual(forecast.line_ids.forecast_to_complete, 40000)
        self.assertEqual(len(forecast.line_ids), 1)
        # the system prepared it; a person approves it
        forecast.with_user(self.approver).action_approve()
        self.assertEqual(forecast.state, "approved")
        # an approved forecast is never changed by a resend
        message = self.sync_flow("forecast.update", self.payload(ftc=1), "f3")
        self.assertEqual(message.state, "dead")  # no retry changes that
        self.assertEqual(message.error_code, "forecast_locked")
        self.assertEqual(forecast.line_ids.forecast_to_complete, 40000)
        # a new id for the same period: version 2, a draft
        message = self.sync_flow(
            "forecast.update", self.payload(ftc=39000, external_id="FCST-2"), "f4"
        )
        self.assertEqual(message.state, "done", message.error_message)
        second = self.forecasts() - forecast
        self.assertEqual((second.version, second.state), (2, "draft"))

    def test_bad_input_is_a_problem_and_unknown_codes_wait(self):
        for number, payload in enumerate(
            (
                self.payload(period="2026-13"),
                self.payload(ftc=-5),
                {**self.payload(), "lines": []},
                self.payload(state="approved"),
            )
        ):
            response = self.post_flow("forecast.update", payload, f"bad-{number}")
            self.assertEqual(response.status_code, 422, response.text)
            self.assertEqual(
                response.headers["Content-Type"], "application/problem+json"
            )
            self.assertTrue(response.json().get("code"))
        line = dict(self.payload()["lines"][0], actual_cost=1)
        response = self.post_flow(
            "forecast.update", {**self.payload(), "lines": [line]}, "bad-line"
        )
        self.assertEqual(response.status_code, 422, response.text)
        message = self.sync_flow(
            "forecast.update", self.payload(cost_code="NOPE"), "u1"
        )
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.error_code, "unknown_cost_code")
        self.assertFalse(self.forecasts())

    def test_openapi_documents_the_flow(self):
        spec = self.url_open(f"{API}/openapi.json").json()
        self.assertIn("/flows/forecast.update", spec["paths"])
