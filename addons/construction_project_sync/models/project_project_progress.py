# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProjectProject(models.Model):
    _inherit = "project.project"

    def action_view_earned_value(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.progress_action_earned_value"
        )
        action["domain"] = [("job_id", "=", self.id)]
        return action

    def action_view_installed_quantities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.progress_action_installed_quantity"
        )
        action["domain"] = [("job_id", "=", self.id)]
        action["context"] = {"default_job_id": self.id}
        return action
