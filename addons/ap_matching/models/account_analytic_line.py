# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, models
from odoo.exceptions import UserError


class AccountAnalyticLine(models.Model):
    """The job cost line of consumed material is the value of the stock that left:
    nobody edits or deletes it (a return of the material is the correction)."""

    _inherit = "account.analytic.line"

    def write(self, vals):
        self._check_material_consumption()
        return super().write(vals)

    def unlink(self):
        self._check_material_consumption()
        return super().unlink()

    def _check_material_consumption(self):
        if not self:
            return
        # sudo: the lock binds everyone, whatever they may read of consumption
        consumptions = self.env["construction.material.consumption"].sudo()
        domain = [("analytic_line_id", "in", self.ids)]
        consumed = consumptions.search_count(domain, limit=1) and consumptions.search(
            domain, limit=1
        )
        if consumed:
            raise UserError(
                _(
                    "This line is the job cost of material consumed on site (%s): "
                    "it can no longer be edited or deleted.",
                    consumed.display_name,
                )
            )
