# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, fields, models
from odoo.exceptions import UserError


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

    def write(self, vals):
        if {"parts_cost", "labour_cost", "equipment_id"} & set(vals):
            # sudo: whoever corrects the request, its staged cost binds it
            costs = (
                self.env["construction.equipment.cost"]
                .sudo()
                .search(
                    [
                        ("maintenance_request_id", "in", self.ids),
                        ("state", "!=", "rejected"),
                    ],
                    limit=1,
                )
            )
            if costs:
                raise UserError(
                    _(
                        "The costs of %s are staged as equipment cost already: "
                        "reject its cost lines before correcting them.",
                        costs.maintenance_request_id.display_name,
                    )
                )
        return super().write(vals)
