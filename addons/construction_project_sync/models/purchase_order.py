# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, fields, models
from odoo.exceptions import UserError

PURCHASE_MANAGER = "purchase.group_purchase_manager"


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    is_subcontract = fields.Boolean(
        string="Subcontract",
        help="A subcontract is a purchase order with a subcontractor; its confirmed, "
        "unbilled lines count as committed cost like any purchase.",
    )
    job_id = fields.Many2one(
        "project.project", domain=[("is_job", "=", True)], index=True
    )
    construction_closed_out = fields.Boolean(
        string="Closed Out",
        readonly=True,
        copy=False,
        tracking=True,
        help="Nothing more will be delivered: the order is locked and commits only "
        "what was received or is on a bill already; the rest leaves committed cost. "
        "Only a purchase manager reopens it.",
    )

    def write(self, vals):
        # the flag moves committed cost: whoever sets it (button or RPC) closes the
        # order out for real, and only a purchase manager takes it back
        if "construction_closed_out" in vals:
            if vals["construction_closed_out"]:
                unconfirmed = self.filtered(
                    lambda po: po.state not in ("purchase", "done")
                )
                if unconfirmed:
                    raise UserError(
                        _(
                            "%s is not confirmed: only a confirmed order is closed "
                            "out (cancel a draft instead).",
                            unconfirmed[0].display_name,
                        )
                    )
                vals = {**vals, "state": "done"}
            elif self.filtered(
                "construction_closed_out"
            ) and not self.env.user.has_group(PURCHASE_MANAGER):
                raise UserError(
                    _("Only a purchase manager reopens a closed-out order.")
                )
        return super().write(vals)

    def action_construction_close_out(self):
        """Close out: lock the order and release what it will no longer bill from
        the jobs' committed cost."""
        self.write({"construction_closed_out": True})
        for order in self:
            order.message_post(
                body=_(
                    "Closed out by %s: what was not received or billed is no longer "
                    "committed.",
                    self.env.user.name,
                )
            )
        return True

    def action_construction_reopen(self):
        self.write({"construction_closed_out": False})
        return True
