# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

USAGE_STATES = [
    ("ok", "OK"),
    ("flagged", "Flagged"),
    ("accepted", "Accepted"),
]


class ConstructionEquipmentUsage(models.Model):
    """What a machine did on a day for one assignment: the differences of its
    cumulative meters between the last reading before the day and the last reading
    of the day. Worked out from readings by the suite, never typed in; a day whose
    figures a feed cannot prove (a meter reset, an impossible jump) is flagged and
    costs nothing until a person accepts or corrects it."""

    _name = "construction.equipment.usage"
    _description = "Equipment Daily Usage"
    _inherit = ["mail.thread"]
    _order = "date desc, equipment_id, id"

    equipment_id = fields.Many2one(
        "maintenance.equipment", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True
    )
    date = fields.Date(required=True, index=True, readonly=True)
    assignment_id = fields.Many2one(
        "construction.equipment.assignment", readonly=True, index="btree_not_null"
    )
    job_id = fields.Many2one("project.project", readonly=True, index=True)
    phase_id = fields.Many2one("construction.phase", readonly=True)
    cost_code_id = fields.Many2one("construction.cost.code", readonly=True)
    operating_hours = fields.Float(readonly=True, digits=(16, 2))
    idle_hours = fields.Float(readonly=True, digits=(16, 2))
    pto_hours = fields.Float(string="PTO Hours", readonly=True, digits=(16, 2))
    fuel_used = fields.Float(readonly=True, help="Litres.")
    distance = fields.Float(readonly=True, help="Kilometres.")
    state = fields.Selection(
        USAGE_STATES, default="ok", required=True, readonly=True, tracking=True
    )

    @api.model
    def _costable_domain(self):
        """The usage the costing may turn into cost: proven by the feed, or
        accepted (as given or corrected) by a person."""
        return [("state", "in", ("ok", "accepted")), ("job_id", "!=", False)]
