# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models

# what a usage row's hour kinds are staged as (the cost line's source)
HOUR_SOURCES = ("operating", "idle")


class ConstructionEquipmentHoursReconciliation(models.AbstractModel):
    """Hours received vs hours costed, per machine and month: the operating and
    idle hours of costable usage (proven by the meters or accepted by a person,
    on a job) older than the company's settling days, against the hours on
    approved or posted cost lines staged from them. A line a person rejected
    settles its hours. Machines rented by the day, week or month are costed by
    the rental, not their hours, and are left out. Fix: stage the days never
    staged."""

    _name = "construction.equipment.hours.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Equipment Hours Received vs Costed"

    @api.model
    def _cutoff(self, company):
        return fields.Date.context_today(self) - timedelta(
            days=company.equipment_settle_days
        )

    @api.model
    def _reconcile(self, check, company):
        self.env.flush_all()
        # one pass: each costable usage hour kind with the cost line staged from
        # it (a source is staged once: at most one line per usage and kind)
        self.env.cr.execute(
            """
            WITH hours AS (
                SELECT u.id, u.equipment_id, u.date, k.kind, k.hours
                  FROM construction_equipment_usage u
                  JOIN maintenance_equipment e ON e.id = u.equipment_id
                 CROSS JOIN LATERAL (
                       VALUES ('operating', u.operating_hours),
                              ('idle', u.idle_hours)
                       ) AS k(kind, hours)
                 WHERE u.company_id = %(company)s
                   AND u.state IN ('ok', 'accepted')
                   AND u.job_id IS NOT NULL
                   AND u.date <= %(cutoff)s
                   AND k.hours > 0.005
                   AND NOT (e.ownership IN ('rented', 'leased')
                            AND e.rental_rate_basis IN ('day', 'week', 'month'))
            )
            SELECT h.equipment_id,
                   to_char(h.date, 'YYYY-MM'),
                   SUM(h.hours) FILTER (WHERE c.state IS DISTINCT FROM 'rejected'),
                   COALESCE(SUM(c.quantity)
                            FILTER (WHERE c.state IN ('approved', 'posted')), 0),
                   COALESCE(SUM(h.hours) FILTER (WHERE c.id IS NULL), 0),
                   COUNT(DISTINCT h.date) FILTER (WHERE c.id IS NULL),
                   COALESCE(SUM(c.quantity) FILTER (WHERE c.state = 'draft'), 0)
              FROM hours h
              LEFT JOIN construction_equipment_cost c
                ON c.usage_id = h.id AND c.source = h.kind
             GROUP BY 1, 2
            HAVING COALESCE(SUM(h.hours)
                            FILTER (WHERE c.state IS DISTINCT FROM 'rejected'), 0)
                 - COALESCE(SUM(c.quantity)
                            FILTER (WHERE c.state IN ('approved', 'posted')), 0)
                   > 0.005
             ORDER BY 2, 1
            """,
            {"company": company.id, "cutoff": self._cutoff(company)},
        )
        rows = self.env.cr.fetchall()
        # sudo: the check names every machine of the company, whoever runs it
        machines = self.env["maintenance.equipment"].sudo().browse(r[0] for r in rows)
        names = {m.id: m.equipment_number or m.name for m in machines}
        return [
            {
                "reference": f"{names[machine_id]} {period}",
                "message": self.env._(
                    "%(machine)s in %(period)s: %(received)s h received and "
                    "costable, %(costed)s h on approved or posted cost; "
                    "%(unstaged)s h on %(days)s day(s) never staged, %(waiting)s h "
                    "staged and waiting for approval.",
                    machine=names[machine_id],
                    period=period,
                    received=round(received, 2),
                    costed=round(costed, 2),
                    unstaged=round(unstaged, 2),
                    days=days,
                    waiting=round(waiting, 2),
                ),
                "res_model": "maintenance.equipment",
                "res_id": machine_id,
                "expected": received,
                "actual": costed,
                "fixable": bool(days),
            }
            for machine_id, period, received, costed, unstaged, days, waiting in rows
        ]

    @api.model
    def _fix(self, drift_lines):
        """Stage the costable days of these machines never staged, with the
        staging's own rules (rates of the day, cost codes) and the rights of
        whoever runs the fix; an approver then approves them as any staged cost."""
        Usage = self.env["construction.equipment.usage"]
        Cost = self.env["construction.equipment.cost"]
        for company in drift_lines.company_id:
            lines = drift_lines.filtered(lambda d, c=company: d.company_id == c)
            machines = self.env["maintenance.equipment"].browse(lines.mapped("res_id"))
            usages = Usage.search(
                [
                    *Usage._costable_domain(),
                    ("company_id", "=", company.id),
                    ("equipment_id", "in", machines.ids),
                    ("date", "<=", self._cutoff(company)),
                ]
            )
            # by the staging's own source keys: a day whose operating hours are
            # staged but whose idle hours are not is a missing day too
            keys = {
                f"usage:{usage.id}:{kind}": usage
                for usage in usages
                for kind in HOUR_SOURCES
                if usage[f"{kind}_hours"] > 0.005
            }
            # sudo: a source staged in any company is staged (the key is unique)
            staged = Cost.sudo().search([("source_key", "in", list(keys))])
            unstaged = Usage.union(
                *(keys[key] for key in set(keys) - set(staged.mapped("source_key")))
            )
            if unstaged:
                dates = unstaged.mapped("date")
                Cost._stage(
                    min(dates),
                    max(dates),
                    companies=company,
                    machines=unstaged.equipment_id,
                )
