# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

JOB_FIELDS = ("project_id", "job_id", "construction_job_id")


class Base(models.AbstractModel):
    """Any record that names a job (a task, a timesheet, a budget, a field time
    line ...) belongs to it: documents attach there and discrepancies about it are
    summarised on it."""

    _inherit = "base"

    def _construction_job(self):
        """The job this record belongs to (an empty recordset if none)."""
        self.ensure_one()
        jobs = self.env["project.project"]
        if self._name == "project.project":
            return self
        for fname in JOB_FIELDS:
            field = self._fields.get(fname)
            if (
                field
                and field.type == "many2one"
                and field.comodel_name == "project.project"
                and self[fname]
            ):
                return self[fname]
        return jobs

    def _integration_scope(self):
        job = self._construction_job() if self else None
        return job if job and job.is_job else super()._integration_scope()
