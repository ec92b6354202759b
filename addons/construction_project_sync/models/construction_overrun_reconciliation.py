# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ConstructionOverrunReconciliation(models.AbstractModel):
    """Committed + actual above the revised budget of a cost code: an overrun alert,
    as a drift line and an exception for the job's project manager."""

    _name = "construction.overrun.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Committed + Actual vs Budget"

    @api.model
    def _reconcile(self, check, company):
        self.env.flush_all()
        rows = self.env["construction.job.cost"].search_read(
            [("company_id", "=", company.id), ("variance", "<", 0)],
            [
                "job_id",
                "cost_code_id",
                "cost_type",
                "revised_budget",
                "committed",
                "actual",
            ],
        )
        drift = []
        open_alerts = set(
            self.env["integration.exception"]
            .search(
                [
                    ("reason_code", "=", "cost_overrun"),
                    ("state", "in", ("open", "in_progress")),
                    ("company_id", "=", company.id),
                ]
            )
            .mapped("name")
        )
        jobs = self.env["project.project"]
        for row in rows:
            job = jobs.browse(row["job_id"][0])
            code = row["cost_code_id"][1] if row["cost_code_id"] else _("no cost code")
            spent = row["committed"] + row["actual"]
            message = _(
                "%(job)s, %(code)s (%(type)s): committed + actual %(spent)s over a "
                "revised budget of %(budget)s.",
                job=job.display_name,
                code=code,
                type=row["cost_type"],
                spent=round(spent, 2),
                budget=round(row["revised_budget"], 2),
            )
            name = _("Cost overrun: %(job)s, %(code)s", job=job.display_name, code=code)
            if name not in open_alerts:
                exception = self.env["integration.exception"].create(
                    {
                        "name": name,
                        "reason_code": "cost_overrun",
                        "description": message,
                        "company_id": company.id,
                        "res_model": "project.project",
                        "res_id": job.id,
                        "owner_id": (job.user_id or self.env.user).id,
                        "criticality": "high",
                    }
                )
                open_alerts.add(exception.name)
            drift.append(
                {
                    "reference": name,
                    "message": message,
                    "res_model": "project.project",
                    "res_id": job.id,
                    "expected": row["revised_budget"],
                    "actual": spent,
                    "fixable": False,
                }
            )
        return drift
