# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    equipment_standard_day_hours = fields.Float(
        string="Standard Day Hours",
        default=8.0,
        help="A machine assigned to a job and reporting on a working day is on "
        "standby for these hours less its operating and idle hours.",
    )
    equipment_max_hours_per_day = fields.Float(
        string="Most Meter Hours a Day",
        default=24.0,
        help="Operating, idle or PTO hours above this on one day are flagged as an "
        "implausible jump (never more than the day has).",
    )
    equipment_max_fuel_per_day = fields.Float(
        string="Most Fuel a Day",
        help="Litres; more on one day is flagged. Zero: no check.",
    )
    equipment_max_distance_per_day = fields.Float(
        string="Most Distance a Day",
        help="Kilometres; more on one day is flagged. Zero: no check.",
    )

    @api.constrains(
        "equipment_standard_day_hours",
        "equipment_max_hours_per_day",
        "equipment_max_fuel_per_day",
        "equipment_max_distance_per_day",
    )
    def _check_equipment_usage_settings(self):
        for company in self:
            if not 0 <= company.equipment_standard_day_hours <= 24:
                raise ValidationError(_("Standard day hours are between 0 and 24."))
            if not 0 < company.equipment_max_hours_per_day <= 24:
                raise ValidationError(
                    _("The most meter hours a day are above 0 and at most 24.")
                )
            if (
                company.equipment_max_fuel_per_day < 0
                or company.equipment_max_distance_per_day < 0
            ):
                raise ValidationError(_("Usage thresholds cannot be negative."))
