# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class IntegrationLineageMixin(models.AbstractModel):
    """For business models: a smart button from the record to its source messages."""

    _name = "integration.lineage.mixin"
    _description = "Integration Lineage Mixin"

    integration_message_count = fields.Integer(
        compute="_compute_integration_message_count",
        groups="integration_queue.group_integration_user",
    )

    def _compute_integration_message_count(self):
        counts = dict(
            (res_id, count)
            for res_id, count in self.env["integration.lineage"]._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                ["res_id"],
                ["__count"],
            )
        )
        for record in self:
            record.integration_message_count = counts.get(record.id, 0)

    def action_view_integration_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_queue.action_integration_message"
        )
        action["domain"] = [
            ("lineage_ids.res_model", "=", self._name),
            ("lineage_ids.res_id", "=", self.id),
        ]
        return action
