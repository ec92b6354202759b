# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ConstructionPhase(models.Model):
    """A phase of a job (e.g. foundations, structure, envelope); the PM platform owns
    the schedule."""

    _name = "construction.phase"
    _description = "Job Phase"
    _inherit = ["integration.lineage.mixin"]
    _order = "job_id, sequence, code"

    job_id = fields.Many2one(
        "project.project",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("is_job", "=", True)],
    )
    company_id = fields.Many2one(related="job_id.company_id", store=True, index=True)
    code = fields.Char(required=True)
    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    date_start = fields.Date()
    date_end = fields.Date()
    percent_complete = fields.Float(string="Complete (%)")

    _sql_constraints = [
        ("code_job_uniq", "unique(job_id, code)", "A phase code is unique per job."),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for phase in self:
            phase.display_name = f"{phase.code} {phase.name}"
