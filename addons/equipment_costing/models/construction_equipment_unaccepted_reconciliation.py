# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models


class ConstructionEquipmentUnacceptedReconciliation(models.AbstractModel):
    """Daily usage still flagged (a reset meter, an impossible jump, a machine
    used unassigned) older than the company's settling days: nothing of those
    days is costed until a person accepts or corrects them, so the period closes
    without them. Fix: an activity for the machine's equipment cost approver."""

    _name = "construction.equipment.unaccepted.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Equipment Usage Still Flagged"

    @api.model
    def _reconcile(self, check, company):
        cutoff = fields.Date.context_today(self) - timedelta(
            days=company.equipment_settle_days
        )
        # sudo: the check counts every flagged day of the company, whoever runs it
        groups = (
            self.env["construction.equipment.usage"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "flagged"),
                    ("date", "<=", cutoff),
                ],
                ["equipment_id"],
                ["__count", "date:min", "date:max", "operating_hours:sum"],
            )
        )
        return [
            {
                "reference": machine.equipment_number or machine.name,
                "message": self.env._(
                    "%(machine)s: %(count)s day(s) of usage flagged between "
                    "%(first)s and %(last)s (%(hours)s operating hours) wait for an "
                    "equipment cost approver to accept or correct them; nothing "
                    "of them is costed.",
                    machine=machine.display_name,
                    count=count,
                    first=first,
                    last=last,
                    hours=round(hours, 2),
                ),
                "res_model": "maintenance.equipment",
                "res_id": machine.id,
                "expected": 0,
                "actual": count,
                "fixable": True,
            }
            for machine, count, first, last, hours in groups
        ]

    @api.model
    def _fix(self, drift_lines):
        """A to-do per machine for its approver, to review its flagged days."""
        for line in drift_lines:
            machine = self.env["maintenance.equipment"].browse(line.res_id).exists()
            machine._schedule_equipment_activity(
                self.env._("Review flagged usage: %s", line.reference), line.message
            )
