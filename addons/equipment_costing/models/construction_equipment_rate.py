# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

RATE_KINDS = [
    ("operating", "Operating (per hour)"),
    ("idle", "Idle (per hour)"),
    ("standby", "Standby (per hour)"),
    ("day", "Rental per Day"),
    ("week", "Rental per Week"),
    ("month", "Rental per Month"),
]


class ConstructionEquipmentRate(models.Model):
    """What an hour (or a rental day, week, month) of a machine costs, from a date:
    the costing takes the rate valid on the day of the usage."""

    _name = "construction.equipment.rate"
    _description = "Equipment Rate"
    _order = "equipment_id, kind, date_from desc"

    equipment_id = fields.Many2one(
        "maintenance.equipment", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="equipment_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    kind = fields.Selection(RATE_KINDS, required=True)
    amount = fields.Monetary(required=True)
    date_from = fields.Date(
        string="Valid From", required=True, default=fields.Date.context_today
    )
    date_to = fields.Date(string="Valid To", help="Empty: valid until further notice.")

    _sql_constraints = [
        ("amount_positive", "CHECK(amount >= 0)", "A rate cannot be negative."),
        (
            "dates_ordered",
            "CHECK(date_to IS NULL OR date_to >= date_from)",
            "A rate cannot end before it starts.",
        ),
    ]

    @api.constrains("equipment_id", "kind", "date_from", "date_to")
    def _check_overlap(self):
        for rate in self:
            domain = [
                ("id", "!=", rate.id),
                ("equipment_id", "=", rate.equipment_id.id),
                ("kind", "=", rate.kind),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", rate.date_from),
            ]
            if rate.date_to:
                domain.append(("date_from", "<=", rate.date_to))
            # sudo: the check must see every rate of the machine, whoever saves
            other = self.sudo().search(domain, limit=1)
            if other:
                raise ValidationError(
                    _(
                        "%(machine)s already has a %(kind)s rate valid from "
                        "%(start)s: end it before the new one starts.",
                        machine=rate.equipment_id.display_name,
                        kind=dict(RATE_KINDS)[rate.kind],
                        start=other.date_from,
                    )
                )
