# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .project_task import WORK_ORDER_STATUSES


class ConstructionWorkOrderStage(models.Model):
    """Which task stage a work order moves to when the field reports a status: per
    job, else the company's default (a line without a job)."""

    _name = "construction.work.order.stage"
    _description = "Work Order Status Stage"
    _order = "job_id nulls first, status"

    job_id = fields.Many2one(
        "project.project",
        domain=[("is_job", "=", True)],
        ondelete="cascade",
        index=True,
        help="Leave empty: the default for every job without a line of its own.",
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        index=True,
    )
    status = fields.Selection(WORK_ORDER_STATUSES, required=True)
    stage_id = fields.Many2one(
        "project.task.type", string="Task Stage", required=True, ondelete="cascade"
    )

    _sql_constraints = [
        (
            "job_status_uniq",
            "unique(job_id, company_id, status)",
            "A status has one stage per job.",
        )
    ]

    @api.constrains("job_id", "company_id", "status")
    def _check_one_stage_per_status(self):
        # the SQL constraint lets defaults (no job) repeat: NULLs never collide
        for line in self:
            twins = self.search_count(
                [
                    ("id", "!=", line.id),
                    ("job_id", "=", line.job_id.id),
                    ("company_id", "=", line.company_id.id),
                    ("status", "=", line.status),
                ]
            )
            if twins:
                raise ValidationError(
                    _(
                        "Status %(status)s already has a stage for %(job)s.",
                        status=line.status,
                        job=line.job_id.display_name or _("every job"),
                    )
                )

    @api.depends("job_id")
    def _compute_company_id(self):
        for line in self:
            line.company_id = line.job_id.company_id or line.company_id

    @api.model
    def _stages_for(self, jobs):
        """{(job id, status): stage} for ``jobs``, their own lines over the
        defaults; one search whatever the number of jobs."""
        lines = self.search(
            ["|", ("job_id", "in", jobs.ids), ("job_id", "=", False)],
            order="job_id nulls first, company_id nulls first, id",
        )
        stages = {}
        for job in jobs:
            for line in lines:
                if not line.job_id and line.company_id not in (
                    job.company_id,
                    self.env["res.company"],
                ):
                    continue
                if line.job_id and line.job_id != job:
                    continue
                stages[job.id, line.status] = line.stage_id
        return stages
