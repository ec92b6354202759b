# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError

from .construction_equipment_usage import MANAGER_GROUP

# the SQL condition "an assignment covers the usage row u's part of its day"
COVERED = """EXISTS (
    SELECT 1 FROM construction_equipment_assignment a
     WHERE a.equipment_id = u.equipment_id
       AND a.date_start < COALESCE(u.period_end, u.date + interval '1 day')
       AND (a.date_end IS NULL
            OR a.date_end > COALESCE(u.period_start, u.date::timestamp)))"""


class ConstructionEquipmentUnassignedReconciliation(models.AbstractModel):
    """Machines used on a job nobody assigned them to: suspect readings and
    flagged daily usage with no job that no assignment covers even now. Nothing
    is costed from them. No automatic fix: only dispatch knows where the machine
    was; a person assigns it (the drift opens the machine).

    Flagged days without a job that an assignment covers now (entered in Odoo
    after the readings came) are a drift of their own: their fix recomputes the
    machine's usage of those days, which puts them on the job."""

    _name = "construction.equipment.unassigned.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Equipment Used Without an Assignment"

    @api.model
    def _reconcile(self, check, company):
        self.env.flush_all()
        self.env.cr.execute(
            f"""
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
                   AND NOT {COVERED}
            )
            SELECT equipment_id, SUM(readings), SUM(days), MIN(moment), MAX(moment)
              FROM unassigned
             GROUP BY equipment_id
             ORDER BY equipment_id
            """,  # noqa: S608 -- the condition is a constant
            {"company": company.id},
        )
        rows = self.env.cr.fetchall()
        self.env.cr.execute(
            f"""
            SELECT u.equipment_id, COUNT(*), MIN(u.date), MAX(u.date)
              FROM construction_equipment_usage u
             WHERE u.company_id = %(company)s
               AND u.state = 'flagged'
               AND u.job_id IS NULL
               AND {COVERED}
             GROUP BY u.equipment_id
             ORDER BY u.equipment_id
            """,  # noqa: S608 -- the condition is a constant
            {"company": company.id},
        )
        stale = self.env.cr.fetchall()
        # sudo: the check names every machine of the company, whoever runs it
        machines = self.env["maintenance.equipment"].sudo()
        machines = machines.browse({r[0] for r in rows + stale})
        names = {m.id: m.display_name for m in machines}
        drift = [
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
        drift += [
            {
                "reference": self.env._("%s: assigned since", names[machine_id]),
                "message": self.env._(
                    "%(machine)s has %(days)s flagged day(s) without a job between "
                    "%(first)s and %(last)s that an assignment covers now: its "
                    "usage was worked out before the assignment was entered. Fix: "
                    "recompute those days.",
                    machine=names[machine_id],
                    days=days,
                    first=first,
                    last=last,
                ),
                "res_model": "maintenance.equipment",
                "res_id": machine_id,
                "expected": 0,
                "actual": days,
                "fixable": True,
            }
            for machine_id, days, first, last in stale
        ]
        return drift

    @api.model
    def _fix(self, drift_lines):
        """Recompute the flagged days without a job of these machines, as the
        usage recompute wizard does (an equipment cost approver's act): the
        assignment entered since puts them on its job; days a person accepted or
        the costing took stay as they are."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only equipment cost approvers recompute usage.")
            )
        Usage = self.env["construction.equipment.usage"]
        # the rows the fixer may read, whatever ids the drift holds
        rows = Usage.search(
            [
                ("equipment_id", "in", drift_lines.mapped("res_id")),
                ("company_id", "in", drift_lines.company_id.ids),
                ("state", "=", "flagged"),
                ("job_id", "=", False),
            ]
        )
        for machine in rows.equipment_id:
            dates = rows.filtered(lambda u, m=machine: u.equipment_id == m).mapped(
                "date"
            )
            Usage._recompute(machine.ids, min(dates), max(dates))
