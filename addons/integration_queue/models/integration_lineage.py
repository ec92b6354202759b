# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class IntegrationLineage(models.Model):
    """Audit lineage: which Odoo record a message produced, readable both ways."""

    _name = "integration.lineage"
    _description = "Integration Lineage"
    _order = "id desc"

    message_id = fields.Many2one(
        "integration.message", required=True, ondelete="cascade", index=True
    )
    system_id = fields.Many2one(related="message_id.system_id", store=True)
    flow_id = fields.Many2one(related="message_id.flow_id", store=True)
    company_id = fields.Many2one(related="message_id.company_id", store=True)
    res_model = fields.Char(string="Model", required=True, index=True)
    res_id = fields.Many2oneReference(
        string="Record", model_field="res_model", index=True
    )
    action = fields.Selection(
        [("created", "Created"), ("updated", "Updated"), ("linked", "Linked")],
        required=True,
    )
    record_name = fields.Char(compute="_compute_record_name")

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for line in self:
            record = self.env[line.res_model].browse(line.res_id).exists()
            line.record_name = (
                record.display_name if record else f"{line.res_model},{line.res_id}"
            )

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    @api.model
    def _messages_for(self, record):
        """The messages that produced or changed ``record``, newest first."""
        return self.search(
            [("res_model", "=", record._name), ("res_id", "=", record.id)]
        ).message_id
