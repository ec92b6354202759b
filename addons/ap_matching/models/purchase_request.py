# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class PurchaseRequest(models.Model):
    """A material request from site (OCA purchase_request) coded to a job and cost
    code and approved through the suite's one approval mechanism: its state moves
    only through the buttons below, by amount tier and job, and never by whoever
    prepared it. purchase_request's own buttons write the state directly; here
    each goes through a transition."""

    _name = "purchase.request"
    _inherit = ["purchase.request", "construction.approval.mixin"]

    _approval_pending_states = ("to_approve",)
    _approval_locked_states = ("approved", "in_progress", "done")
    _approval_group = "construction_project_sync.group_project_manager"
    _approval_figure_fields = ("job_id", "cost_code_id", "line_ids")
    _approval_free_fields = ("description", "assigned_to")
    _approval_extra_protected_fields = ("rejection_reason",)

    job_id = fields.Many2one(
        "project.project",
        ondelete="restrict",
        index="btree_not_null",
        domain=[("is_job", "=", True)],
        tracking=True,
        help="The job the material is for: its lines are coded to it.",
    )
    phase_id = fields.Many2one(
        "construction.phase", domain="[('job_id', '=', job_id)]", tracking=True
    )
    cost_code_id = fields.Many2one(
        "construction.cost.code",
        ondelete="restrict",
        tracking=True,
        help="The cost code of lines that do not name their own.",
    )
    date_needed = fields.Date(
        string="Needed By", tracking=True, help="When the material must be on site."
    )
    delivery_location = fields.Char(
        help="Where on site the delivery goes (gate, level, laydown area)."
    )
    rejection_reason = fields.Text(copy=False, readonly=True)
    estimated_total = fields.Monetary(
        compute="_compute_estimated_total", currency_field="currency_id"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.depends("line_ids.estimated_cost", "line_ids.cancelled")
    def _compute_estimated_total(self):
        for request in self:
            request.estimated_total = sum(
                request.line_ids.filtered(lambda line: not line.cancelled).mapped(
                    "estimated_cost"
                )
            )

    # ------------------------------------------------------------------ approval
    def _approval_amount(self):
        self.ensure_one()
        return self.estimated_total

    def _approval_preparers(self):
        return super()._approval_preparers() | self.requested_by

    def button_to_approve(self):
        self.to_approve_allowed_check()
        missing = self.filtered(lambda r: not r.job_id)
        if missing:
            raise UserError(
                _(
                    "%s names no job: say which job the material is for before "
                    "submitting it.",
                    missing[0].display_name,
                )
            )
        self._approval_submit("to_approve")
        return True

    def button_approved(self):
        self._approval_approve()
        return True

    def action_reject(self, reason):
        """An approver turns the request down, saying why; its lines are
        cancelled."""
        self._approval_reject("rejected", reason, from_states=("to_approve",))
        with self._approval_unlock():
            self.line_ids.do_cancel()
        return True

    def button_rejected(self):
        # purchase_request's button rejects without a reason: ask for one
        return self.action_open_reject_wizard()

    def button_draft(self):
        self._approval_check_state(("to_approve", "rejected"), _("set back to draft"))
        self.check_access("write")
        with self._approval_unlock():
            self.line_ids.do_uncancel()
        self._approval_back_to_draft(_("Set back to draft by %s.") % self.env.user.name)
        return True

    def button_in_progress(self):
        # purchase_request calls it when orders are made from approved lines
        self._approval_check_state(("approved", "in_progress"), _("ordered"))
        self._approval_write({"state": "in_progress"})
        return True

    def button_done(self):
        self._approval_check_state(("approved", "in_progress"), _("done"))
        self.check_access("write")
        self._approval_write({"state": "done"})
        return True

    def check_auto_reject(self):
        # every line cancelled (their orders were): purchase_request rejects
        with self._approval_unlock():
            return super().check_auto_reject()

    # ------------------------------------------------------------------ ordering
    def action_create_purchase_orders(self):
        """Approved lines become requests for quotation, one per vendor: the
        product's vendor, else the cost code's preferred vendor. A vendor that is
        blocked or whose compliance has expired gets no order: an exception goes to
        procurement instead."""
        if not self.env.user.has_group("purchase.group_purchase_user"):
            raise UserError(_("Only purchasing makes purchase orders from requests."))
        self._approval_check_state(("approved", "in_progress"), _("ordered"))
        lines = self.line_ids.filtered(
            lambda line: (
                not line.cancelled and not line.purchase_lines and line.product_qty > 0
            )
        )
        if not lines:
            raise UserError(_("Every line of these requests is ordered already."))
        no_product = lines.filtered(lambda line: not line.product_id)
        if no_product:
            raise UserError(
                _(
                    "Choose a product for these lines before ordering them: %s",
                    ", ".join(no_product.mapped("name")),
                )
            )
        by_vendor = defaultdict(lambda: lines.browse())
        for line in lines:
            by_vendor[line._ap_vendor()] |= line
        unsourced = by_vendor.pop(self.env["res.partner"], None)
        if unsourced:
            raise UserError(
                _(
                    "No vendor for %s: give the product a vendor or its cost code a "
                    "preferred vendor.",
                    ", ".join(unsourced.mapped("product_id.display_name")),
                )
            )
        orders = self.env["purchase.order"]
        held = []
        for vendor, vendor_lines in by_vendor.items():
            problem = vendor._ap_purchase_problem(
                min(vendor_lines.mapped("date_required")),
                vendor_lines.cost_code_id.mapped("cost_type"),
            )
            if problem:
                held.append((vendor, vendor_lines, problem))
                continue
            # purchase_request's wizard orders them (the transition that writes
            # the approved, locked lines)
            wizard = (
                self.env["purchase.request.line.make.purchase.order"]
                .with_context(
                    active_model="purchase.request.line",
                    active_ids=vendor_lines.ids,
                )
                .create({"supplier_id": vendor.id})
            )
            result = wizard.make_purchase_order()
            orders |= orders.browse(result["domain"][0][2])
        for vendor, vendor_lines, problem in held:
            for request in vendor_lines.request_id:
                # sudo: buyers may not open hub exceptions; the hub's bookkeeping
                self.env["integration.exception"].sudo()._raise(
                    "vendor_policy",
                    _(
                        "%(request)s: no order to %(vendor)s, %(problem)s",
                        request=request.display_name,
                        vendor=vendor.display_name,
                        problem=problem,
                    ),
                    record=request,
                    owner=request.assigned_to or self.env.user,
                    company=request.company_id,
                )
                request.message_post(
                    body=_(
                        "No order to %(vendor)s: %(problem)s",
                        vendor=vendor.display_name,
                        problem=problem,
                    )
                )
        if not orders:
            # no UserError: it would roll back the exceptions just raised
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "sticky": True,
                    "message": "\n".join(
                        _(
                            "No order to %(vendor)s: %(problem)s",
                            vendor=v.name,
                            problem=p,
                        )
                        for v, _lines, p in held
                    ),
                },
            }
        return {
            "type": "ir.actions.act_window",
            "name": _("Requests for Quotation"),
            "res_model": "purchase.order",
            "view_mode": "list,form",
            "domain": [("id", "in", orders.ids)],
        }
