# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class ApSubcontractChangeOrder(models.Model):
    """A change to a subcontract's value: when approved, it raises or lowers items
    of the subcontract's schedule of values (its order lines) or adds new ones, so
    the commitment job cost shows moves with it, once."""

    _name = "ap.subcontract.change.order"
    _description = "Subcontract Change Order"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "construction.approval.mixin",
        "ap.subcontract.document.mixin",
    ]
    _order = "order_id, id desc"
    _approval_pending_states = ("submitted",)
    _approval_locked_states = ("rejected", "approved", "cancel")
    _approval_kept_states = ("submitted", "rejected", "approved")
    _approval_figure_fields = ("order_id", "line_ids")
    _approval_free_fields = ("note",)
    _approval_extra_protected_fields = ("rejection_reason",)

    name = fields.Char(required=True, tracking=True, string="Change Order")
    reason = fields.Text(help="Why the subcontract's scope or value changes.")
    note = fields.Text()
    rejection_reason = fields.Text(copy=False, readonly=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("rejected", "Rejected"),
            ("approved", "Approved"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
        index=True,
    )
    line_ids = fields.One2many(
        "ap.subcontract.change.order.line", "change_order_id", string="Changes"
    )
    amount_total = fields.Monetary(
        string="Change in Value", compute="_compute_amount_total", store=True
    )

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for change in self:
            change.amount_total = sum(change.line_ids.mapped("amount"))

    def _approval_amount(self):
        self.ensure_one()
        return self.amount_total

    def action_submit(self):
        for change in self:
            if not change.line_ids:
                raise UserError(_("%s changes nothing: add a line.", change.name))
            change.order_id._ap_check_schedule_of_values()
        self._approval_submit("submitted")
        return True

    def action_reject(self, reason):
        """An approver turns the change down, saying why; the subcontract stays as
        it is."""
        self._approval_reject("rejected", reason)
        return True

    def action_reset_draft(self):
        self._approval_check_state(["submitted", "rejected"], _("set back to draft"))
        self.check_access("write")
        self._approval_back_to_draft(_("Set back to draft by %s.") % self.env.user.name)
        return True

    def action_cancel(self):
        self._approval_check_state(["draft", "submitted", "rejected"], _("cancelled"))
        self.check_access("write")
        self._approval_write({"state": "cancel"})
        return True

    def action_approve(self):
        approved = self._approval_approve()
        approved._ap_apply()
        return True

    def _ap_apply(self):
        """Move the subcontract: each line raises or lowers its item, or adds one."""
        for change in self:
            order = change.order_id
            # sudo: the approved change order is the control over the subcontract's
            # value; its approver need not be a buyer
            order_sudo = order.sudo()
            certified = change._ap_certified_by_item()
            commands = []
            for line in change.line_ids:
                item = line.order_line_id
                if item:
                    value = item.product_qty + line.amount
                    if (
                        order.currency_id.compare_amounts(value, certified.get(item, 0))
                        < 0
                    ):
                        raise UserError(
                            _(
                                "%(item)s would fall below what pay applications "
                                "certified of it already.",
                                item=item.name,
                            )
                        )
                    commands.append(Command.update(item.id, {"product_qty": value}))
                else:
                    template = order._ap_schedule_of_values()[:1]
                    product = line.product_id or template.product_id
                    commands.append(
                        Command.create(
                            {
                                "name": line.name,
                                "product_id": product.id,
                                "product_qty": line.amount,
                                "product_uom": product.uom_po_id.id,
                                "price_unit": 1.0,
                                "taxes_id": [Command.set(template.taxes_id.ids)],
                                "analytic_distribution": line.analytic_distribution,
                            }
                        )
                    )
            order_sudo.write({"order_line": commands})
            order_sudo.message_post(
                body=_(
                    "Change order %(change)s approved by %(user)s: %(amount)s.",
                    change=change.name,
                    user=self.env.user.name,
                    amount=format_amount(
                        self.env, change.amount_total, change.currency_id
                    ),
                )
            )

    def _ap_certified_by_item(self):
        self.ensure_one()
        apps = self.order_id.ap_pay_app_ids.filtered(
            lambda app: app.state in ("certified", "billed")
        ).sorted("number")[-1:]
        return {line.order_line_id: line.total_to_date for line in apps.line_ids}
