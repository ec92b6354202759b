# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request

from odoo.addons.integration_queue.controllers.api import (
    ApiProblem,
    api_route,
    json_response,
)

from ..models.construction_common import JOB_COST_FIGURES as FIGURES


class JobCostApi(http.Controller):
    @api_route("/jobs/<string:job_ref>/job-cost", methods=["GET"])
    def job_cost(self, job_ref):
        """Job cost of a job, by its number or by the calling system's external id."""
        env = request.env
        system = env["integration.system"]._for_user(env.user)
        job = (
            env["integration.mapping"]._resolve(system, "project.project", job_ref)
            if system
            else None
        )
        if not job:
            job = env["project.project"].search(
                [("is_job", "=", True), ("job_number", "=", job_ref)], limit=1
            )
        if not job:
            raise ApiProblem("not_found", f"No job {job_ref!r} visible to this key.")
        rows = env["construction.job.cost"].search_read(
            [("job_id", "=", job.id)],
            ["cost_code_id", "cost_type", *FIGURES],
            order="cost_code_id, cost_type",
        )
        lines = [
            {
                "cost_code": env["construction.cost.code"]
                .browse(row["cost_code_id"][0])
                .code
                if row["cost_code_id"]
                else None,
                "cost_type": row["cost_type"],
                **{name: row[name] for name in FIGURES},
            }
            for row in rows
        ]
        return json_response(
            {
                "job": {"number": job.job_number, "name": job.name, "id": job.id},
                "currency": job.company_id.currency_id.name,
                "totals": {
                    name: round(sum(line[name] for line in lines), 2)
                    for name in FIGURES
                },
                "lines": lines,
            }
        )
