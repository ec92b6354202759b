# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ConstructionEquipmentUnassignedReconciliation(models.AbstractModel):
    """Machines used on a job nobody assigned them to: suspect readings and
    flagged daily usage with no job that no assignment covers even now (an
    assignment entered since settles them). Nothing is costed from them; a person
    assigns the machine (the drift opens it) and recomputes its usage. No
    automatic fix: only dispatch knows where the machine was."""

    _name = "construction.equipment.unassigned.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Equipment Used Without an Assignment"

    @api.model
    def _reconcile(self, check, company):
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH unassigned AS (
                SELECT r.equipment_id, r.reading_datetime AS moment,
                       1 AS readings, 0 AS days
                  FROM construction_equipment_reading r
                 WHERE r.company_id = %(company)s
                   AND r.state = 'suspect'
                   AND r.job_id IS NULL
                   AND NOT EXISTS (
                       SELECT 1 FROM construction_equipment_assignment a
                        WHERE a.equipment_id = r.equipment_id
                          AND a.date_start <= r.reading_datetime
                          AND (a.date_end IS NULL
                               OR a.date_end > r.reading_datetime))
                UNION ALL
                SELECT u.equipment_id, u.date::timestamp, 0, 1
                  FROM construction_equipment_usage u
                 WHERE u.company_id = %(company)s
                   AND u.state = 'flagged'
                   AND u.job_id IS NULL
                   AND NOT EXISTS (
                       SELECT 1 FROM construction_equipment_assignment a
                        WHERE a.equipment_id = u.equipment_id
                          AND a.date_start < COALESCE(u.period_end,
                                                      u.date + interval '1 day')
                          AND (a.date_end IS NULL
                               OR a.date_end > COALESCE(u.period_start,
                                                        u.date::timestamp)))
            )
            SELECT equipment_id, SUM(readings), SUM(days), MIN(moment), MAX(moment)
              FROM unassigned
             GROUP BY equipment_id
             ORDER BY equipment_id
            """,
            {"company": company.id},
        )
        rows = self.env.cr.fetchall()
        # sudo: the check names every machine of the company, whoever runs it
        machines = self.env["maintenance.equipment"].sudo().browse(r[0] for r in rows)
        names = {m.id: m.display_name for m in machines}
        return [
            {
                "reference": names[machine_id],
                "message": self.env._(
                    "%(machine)s was used where nobody assigned it: %(readings)s "
                    "suspect reading(s) and %(days)s flagged day(s) between "
                    "%(first)s and %(last)s. Assign it to its job for that time "
                    "(Equipment › Assignments), then recompute its usage.",
                    machine=names[machine_id],
                    readings=readings,
                    days=days,
                    first=first.date(),
                    last=last.date(),
                ),
                "res_model": "maintenance.equipment",
                "res_id": machine_id,
                "expected": 0,
                "actual": readings + days,
                "fixable": False,
            }
            for machine_id, readings, days, first, last in rows
        ]
