# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.construction_equipment_usage import MANAGER_GROUP

# a recompute runs in the user's request: a year of a fleet at most
MAX_DAYS = 366


class ConstructionEquipmentUsageRecompute(models.TransientModel):
    """Work the daily usage of a period out again from the stored readings (after
    assignments were fixed, say). Reviewed and costed days stay as they are."""

    _name = "construction.equipment.usage.recompute"
    _description = "Recompute Equipment Usage"

    date_from = fields.Date(
        required=True, default=lambda self: fields.Date.today() - timedelta(days=7)
    )
    date_to = fields.Date(required=True, default=fields.Date.today)
    equipment_ids = fields.Many2many(
        "maintenance.equipment",
        "construction_equipment_usage_recompute_machine_rel",
        "wizard_id",
        "equipment_id",
        string="Machines",
        help="Empty: every machine of your companies.",
    )

    def action_recompute(self):
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only equipment cost approvers recompute usage."))
        if self.date_to < self.date_from:
            raise UserError(_("The period ends before it starts."))
        if (self.date_to - self.date_from).days >= MAX_DAYS:
            raise UserError(_("Recompute at most a year at a time."))
        # the machines the user may read, whatever ids the wizard was given
        Equipment = self.env["maintenance.equipment"]
        domain = [("company_id", "in", self.env.companies.ids)]
        if self.equipment_ids:
            domain.append(("id", "in", self.equipment_ids.ids))
        machines = Equipment.search(domain)
        rows = self.env["construction.equipment.usage"]._recompute(
            machines.ids, self.date_from, self.date_to
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Daily Usage"),
            "res_model": "construction.equipment.usage",
            "view_mode": "list,form",
            "domain": [("id", "in", rows.ids)],
        }
