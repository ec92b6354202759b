# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..models.construction_equipment_usage import FIGURES


class ConstructionEquipmentUsageCorrection(models.TransientModel):
    """An equipment manager's figures for a day the meters got wrong; the reported
    figures stay on the usage beside them."""

    _name = "construction.equipment.usage.correction"
    _description = "Correct Equipment Usage"

    usage_id = fields.Many2one(
        "construction.equipment.usage", required=True, ondelete="cascade"
    )
    operating_hours = fields.Float(digits=(16, 2))
    idle_hours = fields.Float(digits=(16, 2))
    pto_hours = fields.Float(string="PTO Hours", digits=(16, 2))
    standby_hours = fields.Float(digits=(16, 2))
    fuel_used = fields.Float(help="Litres.")
    distance = fields.Float(help="Kilometres.")
    reason = fields.Text(
        required=True, help="Why these figures: the operator's log, the OEM's fix..."
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        usage = self.env["construction.equipment.usage"].browse(values.get("usage_id"))
        if usage:
            for name in FIGURES:
                if name in fields_list:
                    values[name] = usage[f"reported_{name}"]
        return values

    def action_apply(self):
        self.ensure_one()
        self.usage_id._correct({name: self[name] for name in FIGURES}, self.reason)
        return {"type": "ir.actions.act_window_close"}
