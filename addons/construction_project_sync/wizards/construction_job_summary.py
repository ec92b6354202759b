# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import date_utils


class ConstructionJobSummary(models.TransientModel):
    """The discrepancies between the systems about one job, in plain words, for a
    period: the open exceptions raised in it and the open drift of the latest
    reconciliation."""

    _name = "construction.job.summary"
    _description = "Job Discrepancy Summary"

    job_id = fields.Many2one(
        "project.project", required=True, domain=[("is_job", "=", True)]
    )
    date_from = fields.Date(
        default=lambda self: date_utils.start_of(
            fields.Date.context_today(self), "month"
        )
    )
    date_to = fields.Date(
        default=lambda self: date_utils.end_of(fields.Date.context_today(self), "month")
    )
    summary = fields.Text(compute="_compute_summary")

    def _month_edge(self, edge):
        return getattr(date_utils, edge)(fields.Date.context_today(self), "month")

    @api.depends("job_id", "date_from", "date_to")
    def _compute_summary(self):
        for wizard in self:
            wizard.summary = (
                wizard.job_id._discrepancy_summary(wizard.date_from, wizard.date_to)
                if wizard.job_id
                else False
            )
