# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class IntegrationSummary(models.AbstractModel):
    """A project manager's digest also tells, per job they manage, what the
    systems disagree about."""

    _inherit = "integration.summary"

    @api.model
    def _digest_sections(self, user):
        sections = super()._digest_sections(user)
        jobs = self.env["project.project"].search(
            [
                ("is_job", "=", True),
                ("user_id", "=", user.id),
                ("company_id", "in", user.company_ids.ids),
            ]
        )
        for job in jobs:
            exceptions, drifts = self._open_discrepancies(job)
            sentences = self._sentences(exceptions, drifts)
            if sentences:
                sections.append((_("Job %s", job.display_name), sentences))
        return sections

    @api.model
    def _digest_readers(self):
        managers = (
            self.env["project.project"]
            .search([("is_job", "=", True), ("user_id", "!=", False)])
            .user_id
        )
        return super()._digest_readers() | managers
