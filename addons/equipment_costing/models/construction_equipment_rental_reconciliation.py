# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models


class ConstructionEquipmentRentalReconciliation(models.AbstractModel):
    """Rentals paid for and not used, on machines whose telematics report (a
    machine without them tells nothing of its use):

    - a rented or leased machine assigned to a job for longer than the company's
      idle days that reported no operating or idle hours in them (off-hire it or
      move it);
    - rental cost staged for a month in which the machine reported no hours at all
      (check the vendor's invoice).

    Fix: an activity for the machine's equipment cost approver."""

    _name = "construction.equipment.rental.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Idle Rentals and Rental Cost Without Usage"

    @api.model
    def _reconcile(self, check, company):
        self.env.flush_all()
        today = fields.Date.context_today(self)
        idle_since = today - timedelta(days=company.equipment_rental_idle_days)
        reporting = """
            e.ownership IN ('rented', 'leased')
            AND EXISTS (SELECT 1 FROM construction_equipment_reading r
                         WHERE r.equipment_id = e.id
                           AND r.kind IN ('operating_hours', 'idle_hours'))
        """
        args = {
            "company": company.id,
            "now": fields.Datetime.now(),
            "since": idle_since,
        }
        # machines on a job now, there since before the idle days, without hours
        # in them; the day of their last hours, if any
        self.env.cr.execute(
            f"""
            SELECT e.id, a.id, a.date_start, MAX(u.date)
              FROM maintenance_equipment e
              JOIN construction_equipment_assignment a
                ON a.equipment_id = e.id AND a.company_id = %(company)s
               AND a.date_start <= %(since)s
               AND (a.date_end IS NULL OR a.date_end > %(now)s)
              LEFT JOIN construction_equipment_usage u
                ON u.equipment_id = e.id
               AND u.operating_hours + u.idle_hours > 0.005
             WHERE {reporting}
             GROUP BY e.id, a.id, a.date_start
            HAVING MAX(u.date) IS NULL OR MAX(u.date) < %(since)s
             ORDER BY e.id
            """,  # noqa: S608 -- the condition is a constant
            args,
        )
        idle = self.env.cr.fetchall()
        # rental cost per machine and month, with the machine's hours that month
        self.env.cr.execute(
            f"""
            SELECT e.id, to_char(c.date, 'YYYY-MM'), SUM(c.amount), COUNT(*)
              FROM construction_equipment_cost c
              JOIN maintenance_equipment e ON e.id = c.equipment_id
             WHERE c.company_id = %(company)s
               AND c.source LIKE 'rental%%'
               AND c.state != 'rejected'
               AND c.date < %(since)s
               AND {reporting}
               AND NOT EXISTS (
                   SELECT 1 FROM construction_equipment_usage u
                    WHERE u.equipment_id = e.id
                      AND date_trunc('month', u.date) = date_trunc('month', c.date)
                      AND u.operating_hours + u.idle_hours > 0.005)
             GROUP BY 1, 2
             ORDER BY 2, 1
            """,  # noqa: S608 -- the condition is a constant
            args,
        )
        unused = self.env.cr.fetchall()
        # sudo: the check names every machine and job of the company, whoever runs it
        machines = self.env["maintenance.equipment"].sudo()
        machines = machines.browse({r[0] for r in idle + unused})
        names = {m.id: m.equipment_number or m.name for m in machines}
        assignments = self.env["construction.equipment.assignment"].sudo()
        jobs = {
            a.id: a.job_id.display_name for a in assignments.browse(r[1] for r in idle)
        }
        drift = [
            {
                "reference": self.env._("%s idle", names[machine_id]),
                "message": self.env._(
                    "%(machine)s is rented and on %(job)s but reported no hours "
                    "since %(last)s: off-hire it or move it.",
                    machine=names[machine_id],
                    job=jobs[assignment_id],
                    last=last or self.env._("it came"),
                ),
                "res_model": "maintenance.equipment",
                "res_id": machine_id,
                "expected": company.equipment_rental_idle_days,
                "actual": (today - (last or start.date())).days,
                "fixable": True,
            }
            for machine_id, assignment_id, start, last in idle
        ]
        drift += [
            {
                "reference": self.env._(
                    "%(machine)s rental %(period)s",
                    machine=names[machine_id],
                    period=period,
                ),
                "message": self.env._(
                    "%(machine)s: %(amount)s of rental over %(days)s day(s) in "
                    "%(period)s, and no hours reported that month: check the "
                    "vendor's invoice.",
                    machine=names[machine_id],
                    amount=company.currency_id.format(amount),
                    days=days,
                    period=period,
                ),
                "res_model": "maintenance.equipment",
                "res_id": machine_id,
                "expected": 0,
                "actual": amount,
                "fixable": True,
            }
            for machine_id, period, amount, days in unused
        ]
        return drift

    @api.model
    def _fix(self, drift_lines):
        """A to-do per machine for its approver: the drift's words say what to do."""
        for line in drift_lines:
            machine = self.env["maintenance.equipment"].browse(line.res_id).exists()
            machine._schedule_equipment_activity(line.reference, line.message)
