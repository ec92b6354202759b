# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, models
from odoo.exceptions import UserError


class AccountAnalyticLine(models.Model):
    """The analytic lines of posted equipment cost (job cost and recovery) are what
    the approver approved: nobody edits or deletes them."""

    _inherit = "account.analytic.line"

    def write(self, vals):
        self._check_posted_equipment_cost()
        return super().write(vals)

    def unlink(self):
        self._check_posted_equipment_cost()
        return super().unlink()

    def _check_posted_equipment_cost(self):
        if not self:
            return
        # sudo: the lock binds everyone, whatever they may read of equipment cost
        costs = self.env["construction.equipment.cost"].sudo()
        domain = [
            "|",
            "|",
            ("analytic_line_id", "in", self.ids),
            ("recovery_line_id", "in", self.ids),
            ("recovery_reversal_line_id", "in", self.ids),
        ]
        # a count first: most analytic lines are no equipment cost, and a search
        # with the model's order and a limit may walk the date index for nothing
        posted = costs.search_count(domain, limit=1) and costs.search(domain, limit=1)
        if posted:
            raise UserError(
                _(
                    "This line was posted from approved equipment cost (%s): it can "
                    "no longer be edited or deleted.",
                    posted.display_name,
                )
            )
