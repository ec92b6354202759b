# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

FIGURES = ("revised_budget", "committed", "actual", "projected", "variance")


class ReportJobCostSummary(models.AbstractModel):
    """A job's cost by cost code (job cost, all cost types together) with its
    earned value at the status date (context ``progress_date``, else today)."""

    _name = "report.construction_project_sync.report_job_cost_summary"
    _description = "Job Cost Summary Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        jobs = self.env["project.project"].browse(docids)
        self.env.flush_all()
        earned = self.env["construction.earned.value"]
        if data and data.get("progress_date"):
            earned = earned.with_context(progress_date=data["progress_date"])
        cost = self.env["construction.job.cost"]._read_group(
            [("job_id", "in", jobs.ids)],
            ["job_id", "cost_code_id"],
            [f"{name}:sum" for name in FIGURES],
        )
        values = {
            (row.job_id.id, row.cost_code_id.id): row
            for row in earned.search([("job_id", "in", jobs.ids)])
        }
        rows = {job.id: [] for job in jobs}
        for job, cost_code, *figures in cost:
            rows[job.id].append(
                {
                    "cost_code": cost_code,
                    **dict(zip(FIGURES, figures, strict=True)),
                    "earned": values.get((job.id, cost_code.id)),
                }
            )
        totals = {
            job.id: {name: sum(row[name] for row in rows[job.id]) for name in FIGURES}
            for job in jobs
        }
        return {
            "doc_ids": jobs.ids,
            "doc_model": "project.project",
            "docs": jobs,
            "rows": rows,
            "totals": totals,
            "earned_totals": earned._job_totals(jobs),
            "status_date": earned._status_date(),
        }
