# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    """Vendor bills charging for rented machines: posted without job analytics on
    those lines, and kept posted while equipment cost is staged from them."""

    _inherit = "account.move"

    def _post(self, soft=True):
        # refused rather than cleared: the accountant sees why, and a distribution
        # is never changed behind their back
        self.line_ids._check_equipment_job_analytic()
        return super()._post(soft=soft)

    def _check_draftable(self):
        super()._check_draftable()
        lines = self.line_ids.filtered("equipment_id")
        if not lines:
            return
        # sudo: whether equipment cost was staged from the bill binds the
        # accountant, who may not see equipment cost
        staged = (
            self.env["construction.equipment.cost"]
            .sudo()
            .search(
                [("move_line_id", "in", lines.ids), ("state", "!=", "rejected")],
                limit=1,
            )
        )
        if staged:
            raise UserError(
                _(
                    "Equipment cost was staged from %(bill)s (%(cost)s): reject it "
                    "before resetting the bill to draft.",
                    bill=staged.move_line_id.move_id.display_name,
                    cost=staged.display_name,
                )
            )
