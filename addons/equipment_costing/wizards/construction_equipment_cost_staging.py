# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, fields, models


class ConstructionEquipmentCostStaging(models.TransientModel):
    """The period wizard: stages the equipment cost of a date range (all the
    user's companies, machines and jobs, or those chosen) for approval."""

    _name = "construction.equipment.cost.staging"
    _description = "Stage Equipment Cost"

    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        domain=lambda self: [("id", "in", self.env.companies.ids)],
        help="Empty: every company selected in the company switcher.",
    )
    equipment_ids = fields.Many2many(
        "maintenance.equipment", string="Machines", help="Empty: every machine."
    )
    job_ids = fields.Many2many(
        "project.project",
        string="Jobs",
        domain=[("is_job", "=", True)],
        help="Empty: every job.",
    )

    def action_stage(self):
        self.ensure_one()
        costs = self.env["construction.equipment.cost"]._stage(
            self.date_from,
            self.date_to,
            companies=self.company_ids or self.env.companies,
            machines=self.equipment_ids,
            jobs=self.job_ids,
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "equipment_costing.action_construction_equipment_cost"
        )
        action["domain"] = [("id", "in", costs.ids)]
        action["context"] = {}
        action["name"] = _("Staged: %s line(s)", len(costs))
        return action
