# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

RESOLUTIONS = [
    ("release", "Release the Hold (AP manager)"),
    ("accept", "Accept the Variance (AP manager)"),
    ("credit_note", "Request a Credit Note from the Vendor"),
    ("relink", "Link a Line to Another Order Line"),
    ("wait", "Wait for the Receipt"),
]


class ApHoldResolution(models.TransientModel):
    """One-click resolutions of a held bill; each runs the match again. The
    checks (who may release or accept) are the bill's transitions'."""

    _name = "ap.hold.resolution"
    _description = "Bill Hold Resolution"

    move_id = fields.Many2one(
        "account.move", string="Bill", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    reason_summary = fields.Char(related="move_id.ap_reason_summary")
    action = fields.Selection(RESOLUTIONS, required=True, default="accept")
    line_ids = fields.Many2many(
        "account.move.line",
        string="Bill Lines",
        domain="[('move_id', '=', move_id), ('display_type', '=', 'product')]",
        help="The lines whose variance is accepted (accept), or the one line to "
        "link (re-link). Empty for accept: every line with a variance.",
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line",
        string="Order Line",
        domain="[('partner_id.commercial_partner_id', '=', partner_id), "
        "('company_id', '=', company_id)]",
    )
    note = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if not values.get("move_id"):
            raise UserError(_("Open the resolutions from a vendor bill."))
        return values

    def action_apply(self):
        self.ensure_one()
        bill = self.move_id
        if self.action == "release":
            bill._ap_release(self.note)
        elif self.action == "accept":
            lines = self.line_ids or bill.ap_match_line_ids.filtered(
                lambda line: line.ap_match_state == "exception"
            )
            bill._ap_accept_variance(lines, self.note)
        elif self.action == "credit_note":
            bill._ap_request_credit_note(self.note)
        elif self.action == "relink":
            if len(self.line_ids) != 1 or not self.purchase_line_id:
                raise UserError(_("Choose one bill line and the order line for it."))
            bill._ap_relink(self.line_ids, self.purchase_line_id)
        elif self.action == "wait":
            bill._ap_wait_for_receipt(self.note)
        return {"type": "ir.actions.act_window_close"}
