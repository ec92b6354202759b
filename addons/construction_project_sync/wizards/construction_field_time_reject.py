# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ConstructionFieldTimeReject(models.TransientModel):
    """Asks the supervisor why the time is rejected; the reason stays on each line."""

    _name = "construction.field.time.reject"
    _description = "Reject Field Time"

    line_ids = fields.Many2many("construction.field.time", string="Lines")
    reason = fields.Text(required=True)

    def action_reject(self):
        self.ensure_one()
        self.line_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
