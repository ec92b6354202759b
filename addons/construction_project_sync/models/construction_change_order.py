# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_datetime


class ConstructionChangeOrder(models.Model):
    """A change to a job's scope: with the owner (prime contract) or internal.

    Draft and pending change orders never move money: pending ones only show as
    "pending changes". Approval moves the revised budget (cost lines) and, for owner
    changes, the revised contract and the schedule of values, in one transaction.
    """

    _name = "construction.change.order"
    _description = "Change Order"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "integration.lineage.mixin",
        "construction.approval.mixin",
    ]
    _order = "job_id, number desc"
    _approval_pending_states = ("pending",)
    _approval_locked_states = ("approved", "rejected")
    _approval_figure_fields = ("job_id", "kind", "line_ids")
    _approval_free_fields = ("reason",)
    _approval_extra_protected_fields = ("rejection_reason",)

    number = fields.Char(required=True, copy=False, tracking=True)
    name = fields.Char(string="Title", required=True, tracking=True)
    job_id = fields.Many2one(
        "project.project",
        required=True,
        ondelete="restrict",
        index=True,
        domain=[("is_job", "=", True)],
        tracking=True,
    )
    company_id = fields.Many2one(related="job_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(
        [("owner", "Owner (prime contract)"), ("internal", "Internal")],
        default="owner",
        required=True,
        tracking=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("pending", "Pending"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    line_ids = fields.One2many(
        "construction.change.order.line", "change_order_id", copy=True
    )
    sov_line_ids = fields.One2many(
        "construction.sov.line",
        "change_order_id",
        string="Schedule of Values Lines",
        readonly=True,
    )
    cost_total = fields.Monetary(compute="_compute_totals", store=True)
    price_total = fields.Monetary(
        compute="_compute_totals",
        store=True,
        help="What the owner pays for the change (moves the contract and the schedule "
        "of values); zero for internal changes.",
    )
    reason = fields.Text()
    rejection_reason = fields.Text(copy=False, readonly=True)

    _sql_constraints = [
        (
            "number_job_uniq",
            "unique(job_id, number)",
            "A change order number is unique per job.",
        )
    ]

    @api.depends("line_ids.cost_amount", "line_ids.price_amount", "kind")
    def _compute_totals(self):
        for co in self:
            co.cost_total = sum(co.line_ids.mapped("cost_amount"))
            co.price_total = (
                sum(co.line_ids.mapped("price_amount")) if co.kind == "owner" else 0.0
            )

    @api.depends("number", "name")
    def _compute_display_name(self):
        for co in self:
            co.display_name = f"{co.number} {co.name}"

    def _approval_amount(self):
        """A change's size is the larger of what it costs and what it bills."""
        self.ensure_one()
        return max(abs(self.cost_total), abs(self.price_total))

    def action_submit(self):
        for co in self:
            if not co.line_ids:
                raise UserError(_("%s has no lines.") % co.display_name)
        self._approval_submit("pending")
        return True

    def action_approve(self):
        """Give the current user's approval. The last approval a change order needs
        is the one moment it moves money."""
        approved = self._approval_approve()
        for co in approved:
            co._apply_approved_change()
            co.message_post(
                body=_(
                    "Approved by %(user)s: cost %(cost)s, price %(price)s.",
                    user=self.env.user.name,
                    cost=co.cost_total,
                    price=co.price_total,
                )
            )
            self.env["integration.outbox"]._emit(
                "change_order.approved", co, co._event_data(), company=co.company_id
            )
        return True

    def _apply_approved_change(self):
        """An approved owner change order adds its priced lines to the schedule of
        values, in the approval's transaction (an error here undoes the approval)."""
        self.ensure_one()
        self._add_sov_lines()

    def _add_sov_lines(self):
        """One schedule of values item per priced line of each approved owner change
        order that has none yet (so calling it again adds nothing); returns them."""
        created = self.env["construction.sov.line"]
        for co in self:
            if co.kind != "owner" or co.state != "approved" or co.sov_line_ids:
                continue
            priced = co.line_ids.filtered(
                lambda line, co=co: not co.currency_id.is_zero(line.price_amount)
            )
            if not priced:
                continue
            job = co.job_id
            items = set(job.sov_line_ids.mapped("item"))
            # change order items follow the contract's (sequence from 1000 on)
            sequence = max([999, *job.sov_line_ids.mapped("sequence")])
            vals_list = []
            for index, line in enumerate(priced, start=1):
                item = f"{co.number}.{index}"
                suffix = 1
                while item in items:
                    suffix += 1
                    item = f"{co.number}.{index}-{suffix}"
                items.add(item)
                sequence += 1
                vals_list.append(
                    {
                        "job_id": job.id,
                        "sequence": sequence,
                        "item": item,
                        "name": line.description or co.name,
                        "cost_code_id": line.cost_code_id.id,
                        "scheduled_value": line.price_amount,
                        "change_order_id": co.id,
                    }
                )
            new = created.create(vals_list)
            created |= new
            co.message_post(
                body=Markup("%s<ul>%s</ul>%s")
                % (
                    _(
                        "Schedule of values moved with the approval by %(user)s on "
                        "%(when)s:",
                        user=co.approved_by_id.name or self.env.user.name,
                        when=format_datetime(
                            self.env, co.approved_at or fields.Datetime.now()
                        ),
                    ),
                    Markup().join(
                        Markup("<li>%s %s: %s</li>")
                        % (
                            sov.item,
                            sov.name,
                            format_amount(
                                self.env, sov.scheduled_value, co.currency_id
                            ),
                        )
                        for sov in new
                    ),
                    _(
                        "Contract sum to date: %s.",
                        format_amount(
                            self.env, job.revised_contract_value, co.currency_id
                        ),
                    ),
                )
            )
        return created

    def _event_data(self):
        self.ensure_one()
        external_ids = self.env["integration.mapping"]._external_ids(
            self, active_systems_only=True
        )
        return {
            "number": self.number,
            "title": self.name,
            "kind": self.kind,
            "job_number": self.job_id.job_number,
            "cost_total": self.cost_total,
            "price_total": self.price_total,
            "approved_by": self.approved_by_id.name,
            "approved_at": self.approved_at,
            "external_ids": external_ids[self.id],
            "lines": [
                {
                    "cost_code": line.cost_code_id.code,
                    "cost_type": line.cost_type,
                    "cost_amount": line.cost_amount,
                    "price_amount": line.price_amount,
                }
                for line in self.line_ids
            ],
        }

    def action_reject(self, reason):
        """An approver turns the change down (a draft or a pending one), saying
        why."""
        self._approval_reject("rejected", reason, from_states=("draft", "pending"))
        return True

    def action_reset_draft(self):
        """Withdraw a pending change order or reopen a rejected one; an approved
        change order is final (a new change order changes it)."""
        self._approval_check_state(("pending", "rejected"), _("set back to draft"))
        self.check_access("write")
        self._approval_back_to_draft(_("Set back to draft by %s.") % self.env.user.name)
        return True
