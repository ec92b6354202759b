# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ApDuplicateRelease(models.TransientModel):
    """An AP manager confirms a bill is not the duplicate it looks like, and why."""

    _name = "ap.duplicate.release"
    _description = "Release a Possible Duplicate Bill"

    move_id = fields.Many2one("account.move", string="Bill", required=True)
    company_id = fields.Many2one(related="move_id.company_id")
    duplicate_ids = fields.Many2many(related="move_id.ap_duplicate_ids")
    reason = fields.Text(
        required=True,
        help="Why the bills are different invoices (kept in the bill's chatter).",
    )

    def action_release(self):
        self.ensure_one()
        # the bill's transition checks the group and that the releaser did not
        # enter the bill
        self.move_id._ap_release_duplicates(self.reason)
        return {"type": "ir.actions.act_window_close"}
