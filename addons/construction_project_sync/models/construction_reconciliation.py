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


class ConstructionMissingJobReconciliation(models.AbstractModel):
    """Jobs the PM platform sent that Odoo does not have: a job.upsert whose external
    id maps to no job (its message failed, died or was rejected), or whose job was
    deleted since."""

    _name = "construction.missing.job.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "PM Platform Jobs Without an Odoo Job"

    @api.model
    def _reconcile(self, check, company):
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (m.system_id, m.payload::jsonb ->> 'external_id')
                   m.id, s.name, m.payload::jsonb ->> 'external_id',
                   m.payload::jsonb ->> 'job_number', m.state
              FROM integration_message m
              JOIN integration_flow f ON f.id = m.flow_id AND f.code = 'job.upsert'
              JOIN integration_system s ON s.id = m.system_id
              LEFT JOIN integration_mapping map
                ON map.system_id = m.system_id AND map.res_model = 'project.project'
               AND map.external_id = m.payload::jsonb ->> 'external_id'
              LEFT JOIN project_project job ON job.id = map.res_id
             WHERE m.company_id = %s
               AND m.state NOT IN ('queued', 'received')
               AND job.id IS NULL
             ORDER BY m.system_id, m.payload::jsonb ->> 'external_id', m.id DESC
            """,
            [company.id],
        )
        return [
            {
                "reference": f"{system} {external_id}",
                "message": _(
                    "%(system)s has job %(number)s (%(ref)s) but Odoo has none: its "
                    "last "
                    "message is %(state)s.",
                    system=system,
                    number=number or "?",
                    ref=external_id,
                    state=state,
                ),
                "res_model": "integration.message",
                "res_id": message_id,
                "expected": 1,
                "actual": 0,
                "fixable": state in ("failed", "dead", "done"),
            }
            for message_id, system, external_id, number, state in self.env.cr.fetchall()
        ]

    @api.model
    def _fix(self, drift_lines):
        """Replay the job's last message: it creates the job again (the hub's
        mapping gives way when its job was deleted)."""
        messages = self.env["integration.message"].browse(drift_lines.mapped("res_id"))
        done = messages.filtered(lambda m: m.state == "done")
        (messages - done).action_replay()
        done.action_replay(force=True)
