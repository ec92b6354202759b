# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor


class ConstructionForecastFlows(models.AbstractModel):
    """Processor of the PM platform's cost-to-complete forecasts: a draft forecast,
    never an approved one; a person approves it."""

    _name = "construction.forecast.flows"
    _description = "Forecast Flows"

    @api.model
    @integration_processor("forecast.update")
    def _process_forecast_update(self, message, payload):
        jobs = self.env["construction.sync.flows"]
        if payload.get("job_external_id"):
            job = jobs._job(message, payload["job_external_id"])
        else:
            job = self.env["construction.sov.flows"]._job(message, payload)
        lines = [
            {
                "phase_id": jobs._phase(job, line.get("phase_code")).id,
                "cost_code_id": (cost_code := jobs._cost_code(message, line)).id,
                "cost_type": line.get("cost_type") or cost_code.cost_type,
                "forecast_to_complete": line["forecast_to_complete"],
                "note": line.get("note"),
            }
            for line in payload["lines"]
        ]
        forecast = message.resolve(
            "construction.forecast", payload["external_id"], required=False
        )
        if forecast and forecast.state != "draft":
            raise IntegrationError(
                f"Forecast {payload['external_id']!r} is {forecast.name}, approved "
                "already; send a revised forecast under a new id.",
                code="forecast_locked",
                retryable=False,
            )
        if forecast and forecast.job_id != job:
            raise IntegrationError(
                f"Forecast {payload['external_id']!r} belongs to "
                f"{forecast.job_id.display_name}, not {job.display_name}.",
                code="forecast_job_mismatch",
                retryable=False,
            )
        if forecast:
            forecast.line_ids.unlink()
        vals = {
            "job_id": job.id,
            "period_date": fields.Date.to_date(f"{payload['period']}-01"),
            "note": payload.get("note"),
            "line_ids": [(0, 0, line) for line in lines],
        }
        return message.upsert("construction.forecast", payload["external_id"], vals)
