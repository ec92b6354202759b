# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ConstructionEarnedValueStatus(models.TransientModel):
    """Asks for the status date of the earned value report."""

    _name = "construction.earned.value.status"
    _description = "Earned Value Status Date"

    date = fields.Date(
        string="Status Date",
        required=True,
        default=fields.Date.context_today,
        help="Quantities measured, costs posted and the plan up to the end of this "
        "day.",
    )
    job_ids = fields.Many2many(
        "project.project",
        string="Jobs",
        domain=[("is_job", "=", True)],
        help="All jobs when left empty.",
    )

    def action_open(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.progress_action_earned_value"
        )
        action["context"] = {
            "progress_date": fields.Date.to_string(self.date),
            "search_default_group_job": 1,
        }
        action["name"] = f"{action['name']} ({self.date})"
        if self.job_ids:
            action["domain"] = [("job_id", "in", self.job_ids.ids)]
        return action
