# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from odoo.addons.construction_project_sync.models.construction_common import COST_TYPES


class ApCostType(models.Model):
    """A cost type (labor, material, equipment, subcontract, other) as a record, so
    a vendor can be approved for some of them: the cost codes' own selection, one
    record per value."""

    _name = "ap.cost.type"
    _description = "Cost Type"
    _order = "sequence, id"

    code = fields.Selection(COST_TYPES, required=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "A cost type is there once."),
    ]
