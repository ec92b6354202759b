# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ConstructionFieldTimeReconciliation(models.AbstractModel):
    """Approved field time must be posted: approval posts at once, so an approved
    line without a timesheet means posting failed."""

    _name = "construction.field.time.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Field Time Approved vs Posted"

    @api.model
    def _reconcile(self, check, company):
        # sudo: the check reports every approved line of the company, whatever the
        # rights of the person or cron running it.
        lines = (
            self.env["construction.field.time"]
            .sudo()
            .search([("state", "=", "approved"), ("company_id", "=", company.id)])
        )
        return [
            {
                "reference": line.display_name,
                "message": _(
                    "Approved on %(when)s by %(who)s but not posted: the hours are "
                    "missing from job cost and timesheets.",
                    when=line.approved_at or _("an unknown date"),
                    who=line.approved_by_id.name or _("an import"),
                ),
                "res_model": "construction.field.time",
                "res_id": line.id,
                "expected": line.hours,
                "actual": 0.0,
                "fixable": True,
            }
            for line in lines
        ]

    @api.model
    def _fix(self, drift_lines):
        """Posting is a supervisor's act: the fix posts with the rights and the
        checks of whoever runs it, so an integration user without them is told
        so, and nothing is posted."""
        lines = (
            self.env["construction.field.time"]
            .browse(drift_lines.mapped("res_id"))
            .exists()
        )
        lines.action_post()

    @api.model
    def _summarize(self, check, drift_lines):
        return [
            _(
                "%(count)s approved field time line(s) (%(hours)s hours) are not yet "
                "posted: %(lines)s.",
                count=len(drift_lines),
                hours=round(sum(drift_lines.mapped("expected")), 2),
                lines=self.env["integration.summary"]._named(
                    drift_lines.mapped("reference")
                ),
            )
        ]
