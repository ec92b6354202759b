# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .construction_common import COST_TYPES


class ConstructionChangeOrder(models.Model):
    """A change to a job's scope: with the owner (prime contract) or internal.

    Draft and pending change orders never move money: pending ones only show as
    "pending changes". Approval moves the revised budget (cost lines) and, for owner
    changes, the revised contract and the schedule of values, in one transaction.
    """

    _name = "construction.change.order"
    _description = "Change Order"
    _inherit = ["mail.thread", "mail.activity.mixin", "integration.lineage.mixin"]
    _order = "job_id, number desc"

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
    cost_total = fields.Monetary(compute="_compute_totals", store=True)
    price_total = fields.Monetary(
        compute="_compute_totals",
        store=True,
        help="What the owner pays for the change (moves the contract and the schedule "
        "of values); zero for internal changes.",
    )
    reason = fields.Text()
    submitted_at = fields.Datetime(readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_at = fields.Datetime(readonly=True, copy=False)
    rejection_reason = fields.Text(copy=False)

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

    def write(self, vals):
        money = {"line_ids", "kind", "job_id"}
        if money & set(vals) and self.filtered(
            lambda co: co.state in ("approved", "rejected")
        ):
            raise UserError(_("An approved or rejected change order cannot change."))
        return super().write(vals)

    def action_submit(self):
        for co in self:
            if co.state != "draft":
                raise UserError(_("%s is not a draft.") % co.display_name)
            if not co.line_ids:
                raise UserError(_("%s has no lines.") % co.display_name)
        self.write({"state": "pending", "submitted_at": fields.Datetime.now()})

    def action_approve(self):
        """Approval is the one moment a change order moves money."""
        if not self.env.user.has_group(
            "construction_project_sync.group_project_approver"
        ):
            raise UserError(_("Only an approver may approve a change order."))
        for co in self:
            if co.state != "pending":
                raise UserError(
                    _("%s must be submitted (pending) before approval.")
                    % co.display_name
                )
        self.write(
            {
                "state": "approved",
                "approved_by_id": self.env.uid,
                "approved_at": fields.Datetime.now(),
            }
        )
        for co in self:
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

    def _apply_approved_change(self):
        """Hook: what else an approved change moves (the schedule of values)."""
        self.ensure_one()

    def _event_data(self):
        self.ensure_one()
        mapping = self.env["integration.mapping"]
        return {
            "number": self.number,
            "title": self.name,
            "kind": self.kind,
            "job_number": self.job_id.job_number,
            "cost_total": self.cost_total,
            "price_total": self.price_total,
            "approved_by": self.approved_by_id.name,
            "approved_at": self.approved_at,
            "external_ids": {
                system.code: ext
                for system in self.env["integration.system"].sudo().search([])
                if (ext := mapping._external_id(system, self))
            },
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

    def action_reject(self):
        for co in self:
            if co.state not in ("draft", "pending"):
                raise UserError(_("%s cannot be rejected now.") % co.display_name)
        self.write({"state": "rejected"})

    def action_reset_draft(self):
        if self.filtered(lambda co: co.state == "approved"):
            raise UserError(_("An approved change order is final; issue a new one."))
        self.write({"state": "draft"})


class ConstructionChangeOrderLine(models.Model):
    _name = "construction.change.order.line"
    _description = "Change Order Line"

    change_order_id = fields.Many2one(
        "construction.change.order", required=True, ondelete="cascade", index=True
    )
    job_id = fields.Many2one(related="change_order_id.job_id", store=True, index=True)
    company_id = fields.Many2one(related="change_order_id.company_id", store=True)
    currency_id = fields.Many2one(related="change_order_id.currency_id")
    state = fields.Selection(related="change_order_id.state", store=True)
    phase_id = fields.Many2one("construction.phase", domain="[('job_id', '=', job_id)]")
    cost_code_id = fields.Many2one(
        "construction.cost.code", required=True, ondelete="restrict"
    )
    cost_type = fields.Selection(
        COST_TYPES,
        required=True,
        compute="_compute_cost_type",
        store=True,
        readonly=False,
        precompute=True,
    )
    description = fields.Char()
    cost_amount = fields.Monetary(string="Cost", help="Change to the cost budget.")
    price_amount = fields.Monetary(
        string="Price", help="Change to the contract (owner change orders)."
    )

    @api.depends("cost_code_id")
    def _compute_cost_type(self):
        for line in self:
            line.cost_type = line.cost_code_id.cost_type or line.cost_type or "other"
