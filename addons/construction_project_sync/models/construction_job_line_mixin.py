# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .construction_common import COST_TYPES


class ConstructionJobLineMixin(models.AbstractModel):
    """What a line of job cost says about where the money goes: the job (and its
    phase), the company and currency, the cost code and its cost type. Budget
    lines, change order lines and field time share it; a line that belongs to a
    document takes the job from it (``job_id`` related to the document's)."""

    _name = "construction.job.line.mixin"
    _description = "Job Cost Line Header"

    job_id = fields.Many2one(
        "project.project",
        required=True,
        ondelete="restrict",
        index=True,
        domain=[("is_job", "=", True)],
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        index=True,
        help="The job's company; the cost code's for a job shared by all companies.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    phase_id = fields.Many2one(
        "construction.phase",
        ondelete="restrict",
        domain="[('job_id', '=', job_id)]",
    )
    cost_code_id = fields.Many2one(
        "construction.cost.code", required=True, ondelete="restrict", index=True
    )
    cost_type = fields.Selection(
        COST_TYPES,
        required=True,
        compute="_compute_cost_type",
        store=True,
        readonly=False,
        precompute=True,
    )

    @api.depends("job_id.company_id", "cost_code_id.company_id")
    def _compute_company_id(self):
        for line in self:
            line.company_id = line.job_id.company_id or line.cost_code_id.company_id

    @api.depends("cost_code_id")
    def _compute_cost_type(self):
        for line in self:
            line.cost_type = line.cost_code_id.cost_type or line.cost_type or "other"

    @api.constrains("job_id", "phase_id")
    def _check_phase_job(self):
        for line in self:
            if line.phase_id and line.phase_id.job_id != line.job_id:
                raise ValidationError(
                    _(
                        "Phase %(phase)s belongs to another job than %(job)s.",
                        phase=line.phase_id.display_name,
                        job=line.job_id.display_name,
                    )
                )
