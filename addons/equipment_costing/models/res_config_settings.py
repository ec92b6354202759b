# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    equipment_standard_day_hours = fields.Float(
        related="company_id.equipment_standard_day_hours", readonly=False
    )
    equipment_max_hours_per_day = fields.Float(
        related="company_id.equipment_max_hours_per_day", readonly=False
    )
    equipment_max_fuel_per_day = fields.Float(
        related="company_id.equipment_max_fuel_per_day", readonly=False
    )
    equipment_max_distance_per_day = fields.Float(
        related="company_id.equipment_max_distance_per_day", readonly=False
    )
    equipment_settle_days = fields.Integer(
        related="company_id.equipment_settle_days", readonly=False
    )
    equipment_rental_idle_days = fields.Integer(
        related="company_id.equipment_rental_idle_days", readonly=False
    )
