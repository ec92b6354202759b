# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MaintenanceRequest(models.Model):
    """A work order of the shop: once done, its parts and labour are staged as
    equipment cost on the job the machine was on (Community keeps no cost on a
    request)."""

    _inherit = "maintenance.request"

    currency_id = fields.Many2one(related="company_id.currency_id")
    parts_cost = fields.Monetary(
        groups="equipment_costing.group_equipment_user",
        tracking=True,
        help="Parts used on the machine, in the company's currency.",
    )
    labour_cost = fields.Monetary(
        groups="equipment_costing.group_equipment_user",
        tracking=True,
        help="Mechanics' time on the machine, in the company's currency.",
    )
    equipment_cost_ids = fields.One2many(
        "construction.equipment.cost",
        "maintenance_request_id",
        groups="equipment_costing.group_equipment_user",
    )
