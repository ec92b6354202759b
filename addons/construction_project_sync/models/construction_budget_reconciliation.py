# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ConstructionBudgetReconciliation(models.AbstractModel):
    """Revised budget by the headers (approved budget total + approved change order
    totals) against the sum of the job cost lines: they differ when a stored total
    went stale."""

    _name = "construction.budget.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Revised Budget vs Budget Lines"

    @api.model
    def _reconcile(self, check, company):
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH headers AS (
                SELECT job.id AS job_id,
                       coalesce((SELECT b.amount_total FROM construction_budget b
                                  WHERE b.job_id = job.id AND b.state = 'approved'), 0)
                     + coalesce((SELECT sum(co.cost_total)
                                   FROM construction_change_order co
                                  WHERE co.job_id = job.id
                                    AND co.state = 'approved'), 0)
                       AS revised
                  FROM project_project job
                 WHERE job.is_job AND job.company_id = %s
            ), lines AS (
                SELECT job_id, sum(revised_budget) AS revised
                  FROM construction_job_cost GROUP BY job_id
            )
            SELECT h.job_id, h.revised, coalesce(l.revised, 0)
              FROM headers h LEFT JOIN lines l ON l.job_id = h.job_id
             WHERE round(h.revised, 2) <> round(coalesce(l.revised, 0), 2)
            """,
            [company.id],
        )
        jobs = self.env["project.project"]
        return [
            {
                "reference": jobs.browse(job_id).display_name,
                "message": _(
                    "The budget and change order totals say %(headers)s, their lines "
                    "%(lines)s: a stored total is out of date.",
                    headers=headers,
                    lines=lines,
                ),
                "res_model": "project.project",
                "res_id": job_id,
                "expected": lines,
                "actual": headers,
                "fixable": True,
            }
            for job_id, headers, lines in self.env.cr.fetchall()
        ]

    @api.model
    def _fix(self, drift_lines):
        jobs = self.env["project.project"].browse(drift_lines.mapped("res_id"))
        budgets = jobs.budget_ids
        change_orders = jobs.change_order_ids
        self.env.add_to_compute(budgets._fields["amount_total"], budgets)
        self.env.add_to_compute(change_orders._fields["cost_total"], change_orders)
        self.env.add_to_compute(change_orders._fields["price_total"], change_orders)
        self.env.flush_all()
