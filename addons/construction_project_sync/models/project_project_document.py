# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProjectProject(models.Model):
    """A job's documents: those of the job and of its tasks, purchase orders and
    bills."""

    _inherit = "project.project"

    document_count = fields.Integer(compute="_compute_document_count")

    def _compute_document_count(self):
        counts = dict(
            self.env["construction.document"]._read_group(
                [("project_id", "in", self.ids)], ["project_id"], ["__count"]
            )
        )
        for job in self:
            job.document_count = counts.get(job, 0)

    def action_view_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_document"
        )
        action["domain"] = [("project_id", "=", self.id)]
        action["context"] = {"search_default_group_type": 1}
        return action
