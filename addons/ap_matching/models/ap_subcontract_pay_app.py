# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A subcontractor's pay application: what the subcontractor claims for a period
against the schedule of values of its subcontract (the subcontract's order lines),
certified by the job's project manager, then billed with the retention withheld.

Per item, the G703 columns of the owner's pay applications (the same fields and
maths, construction_project_sync's construction.g703.line.mixin): C scheduled value
(the order line), D work certified on earlier applications, E this period, F
materials presently stored,
G = D + E + F, H = G / C, I = C - G, J retainage = rate x (D + E) + rate x F.

Summary: contract sum = C of every item (the subcontract with its approved change
orders); earned less retainage = G - J; previous certificates = the previous
certified application's G - J; current payment due = earned less retainage -
previous certificates = billed this period - retention withheld this period, which
is what the bill pays.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..lib.subcontract_billing import subcontract_billing

# a rejected application waits to be revised and submitted again (or cancelled)
OPEN_STATES = ("draft", "submitted", "rejected")
# applications in these states have certified their lines
CERTIFIED_STATES = ("certified", "billed")
AP_CLERK = "ap_matching.group_ap_clerk"
AP_MANAGER = "ap_matching.group_ap_manager"

DRAFT_FIELDS = (
    "application_date",
    "line_ids",
    "order_id",
    "period_end",
    "period_start",
    "retention_percent",
)


class ApSubcontractPayApp(models.Model):
    _name = "ap.subcontract.pay.app"
    _description = "Subcontractor Pay Application"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "construction.approval.mixin",
        "ap.subcontract.document.mixin",
        "construction.pay.period.mixin",
    ]
    _pay_period_contract_field = "order_id"
    _order = "order_id, number desc"
    _approval_pending_states = ("submitted",)
    _approval_approved_state = "certified"
    _approval_locked_states = ("rejected", "certified", "billed", "cancel")
    _approval_kept_states = ("submitted", "rejected", "certified", "billed")
    # without a rule, the job's project manager certifies (see _ap_check_certifier)
    _approval_group = "construction_project_sync.group_project_manager"
    _approval_figure_fields = DRAFT_FIELDS
    _approval_free_fields = ("note",)
    _approval_extra_protected_fields = ("bill_id", "number", "rejection_reason")

    name = fields.Char(compute="_compute_name", store=True)
    number = fields.Integer(
        string="Application No.",
        readonly=True,
        copy=False,
        help="Sequential per subcontract, given at creation.",
    )
    vendor_reference = fields.Char(
        help="The subcontractor's own number for this application."
    )
    application_date = fields.Date(default=fields.Date.context_today, tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("rejected", "Rejected"),
            ("certified", "Certified"),
            ("billed", "Billed"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
        index=True,
    )
    retention_percent = fields.Float(
        string="Retention (%)",
        tracking=True,
        help="Withheld from completed work and stored materials, to date; the "
        "subcontract's rate unless changed here.",
    )
    line_ids = fields.One2many(
        "ap.subcontract.pay.app.line", "application_id", string="Schedule of Values"
    )
    note = fields.Text()
    rejection_reason = fields.Text(
        copy=False,
        readonly=True,
        help="Why the certifier turned the application down, for the subcontractor "
        "to revise it.",
    )

    # the previous certified application, taken while this one is open
    previous_completed_stored = fields.Monetary(
        string="Previous Completed and Stored", readonly=True
    )
    previous_retainage = fields.Monetary(readonly=True)

    contract_sum = fields.Monetary(
        string="Contract Sum to Date", compute="_compute_summary", store=True
    )
    total_completed_stored = fields.Monetary(
        string="Total Completed and Stored to Date",
        compute="_compute_summary",
        store=True,
    )
    stored_to_date = fields.Monetary(
        string="Stored Materials", compute="_compute_summary", store=True
    )
    retainage_total = fields.Monetary(
        string="Retainage to Date", compute="_compute_summary", store=True
    )
    total_earned_less_retainage = fields.Monetary(
        compute="_compute_summary", store=True
    )
    previous_certificates = fields.Monetary(
        string="Less Previous Certificates", compute="_compute_summary", store=True
    )
    current_payment_due = fields.Monetary(compute="_compute_summary", store=True)
    balance_to_finish = fields.Monetary(
        string="Balance to Finish, Including Retainage",
        compute="_compute_summary",
        store=True,
    )
    amount_this_period = fields.Monetary(
        string="Billed This Period (Gross)", compute="_compute_summary", store=True
    )
    retention_this_period = fields.Monetary(
        string="Retention Withheld This Period", compute="_compute_summary", store=True
    )

    bill_id = fields.Many2one(
        "account.move", string="Vendor Bill", readonly=True, copy=False
    )
    bill_state = fields.Selection(related="bill_id.state", string="Bill Status")
    compliance_ids = fields.One2many(
        "ap.subcontract.compliance", "pay_app_id", string="Lien Waivers"
    )
    compliance_problem = fields.Char(
        compute="_compute_compliance_problem",
        help="Why the subcontractor's compliance documents do not cover this "
        "application (insurance expired or missing, no lien waiver).",
    )

    _sql_constraints = [
        (
            "number_uniq",
            "unique(order_id, number)",
            "A pay application number is unique per subcontract.",
        )
    ]

    @api.depends("order_id.name", "number")
    def _compute_name(self):
        for app in self:
            app.name = _(
                "%(order)s Pay Application #%(number)s",
                order=app.order_id.name or "",
                number=app.number,
            )

    @api.depends(
        "previous_completed_stored",
        "previous_retainage",
        "line_ids.scheduled_value",
        "line_ids.total_to_date",
        "line_ids.materials_stored",
        "line_ids.retainage",
    )
    def _compute_summary(self):
        for app in self:
            lines = app.line_ids
            app.contract_sum = sum(lines.mapped("scheduled_value"))
            app.total_completed_stored = sum(lines.mapped("total_to_date"))
            app.stored_to_date = sum(lines.mapped("materials_stored"))
            app.retainage_total = sum(lines.mapped("retainage"))
            app.total_earned_less_retainage = (
                app.total_completed_stored - app.retainage_total
            )
            app.previous_certificates = (
                app.previous_completed_stored - app.previous_retainage
            )
            app.current_payment_due = (
                app.total_earned_less_retainage - app.previous_certificates
            )
            app.balance_to_finish = app.contract_sum - app.total_earned_less_retainage
            app.amount_this_period = (
                app.total_completed_stored - app.previous_completed_stored
            )
            app.retention_this_period = app.retainage_total - app.previous_retainage

    def _compute_compliance_problem(self):
        for app in self:
            app.compliance_problem = "; ".join(app._ap_compliance_problems()) or False

    # ----------------------------------------------------------------- checks
    @api.constrains("period_start", "period_end", "order_id", "state")
    def _check_period(self):
        self._check_pay_period()

    # ----------------------------------------------------------------- create
    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["purchase.order"]
        numbers = []
        for vals in vals_list:
            order = orders.browse(vals.get("order_id"))
            if not order.is_subcontract or order.state not in ("purchase", "done"):
                raise UserError(
                    _(
                        "Pay applications are made against a confirmed subcontract "
                        "(a purchase order marked Subcontract)."
                    )
                )
            open_app = self.search(
                [("order_id", "=", order.id), ("state", "in", OPEN_STATES)], limit=1
            )
            if open_app:
                raise UserError(
                    _(
                        "%s is still open: certify or cancel it before the next pay "
                        "application of the subcontract.",
                        open_app.name,
                    )
                )
            order._ap_check_schedule_of_values()
            previous = self._last_certified(order)
            last = self.search(
                [("order_id", "=", order.id)], order="number desc", limit=1
            )
            numbers.append((last.number or 0) + 1)
            vals.setdefault("retention_percent", order.ap_retention_percent)
            if not vals.get("period_start") and previous.period_end:
                vals["period_start"] = previous.period_end + timedelta(days=1)
        apps = super().create(vals_list)
        for app, number in zip(apps, numbers, strict=True):
            app._approval_write({"number": number})
        apps._refresh_from_order()
        return apps

    @api.model
    def _last_certified(self, order, before=None):
        domain = [("order_id", "=", order.id), ("state", "in", CERTIFIED_STATES)]
        if before:
            domain.append(("number", "<", before))
        return self.search(domain, order="number desc", limit=1)

    def unlink(self):
        if self.filtered(lambda a: a.state not in ("draft", "cancel")):
            raise UserError(
                _("Only draft or cancelled pay applications can be deleted.")
            )
        return super().unlink()

    def _refresh_from_order(self):
        """Take the subcontract's current figures into an open application: a line
        per schedule of values item (order line) with its scheduled value, what
        earlier certified applications certified of it, and the previous
        application's stored materials and retainage."""
        lines_model = self.env["ap.subcontract.pay.app.line"]
        for app in self.filtered(lambda a: a.state in OPEN_STATES):
            previous = self._last_certified(app.order_id, before=app.number)
            certified = dict(
                lines_model._read_group(
                    [
                        ("application_id.order_id", "=", app.order_id.id),
                        ("application_id.state", "in", CERTIFIED_STATES),
                        ("application_id.number", "<", app.number),
                    ],
                    ["order_line_id"],
                    ["this_period:sum"],
                )
            )
            before = {line.order_line_id: line for line in previous.line_ids}
            existing = {line.order_line_id: line for line in app.line_ids}
            commands = []
            for order_line in app.order_id._ap_schedule_of_values():
                vals = {
                    "scheduled_value": order_line.price_subtotal,
                    "previous_amount": certified.get(order_line, 0.0),
                    "previous_stored": before.get(
                        order_line, lines_model
                    ).materials_stored,
                    "previous_retainage": before.get(order_line, lines_model).retainage,
                }
                line = existing.get(order_line)
                if not line:
                    commands.append(
                        Command.create({"order_line_id": order_line.id, **vals})
                    )
                elif any(line[key] != value for key, value in vals.items()):
                    commands.append(Command.update(line.id, vals))
            app._approval_write(
                {
                    "previous_completed_stored": previous.total_completed_stored,
                    "previous_retainage": previous.retainage_total,
                    **({"line_ids": commands} if commands else {}),
                }
            )

    def _ap_compliance_problems(self, day=None):
        """Why the subcontractor's documents do not cover this application: its
        insurance on ``day`` (default: the application date) and a lien waiver
        for this application."""
        self.ensure_one()
        if not self.partner_id:
            return []
        day = day or self.application_date or fields.Date.context_today(self)
        problems = self.partner_id._ap_subcontract_compliance_problems(
            self.company_id, day
        )
        # sudo: the waivers are the application's own documents; a project manager
        # certifying reads whether they exist, not their content
        waivers = self.sudo().compliance_ids.filtered(
            lambda doc: doc.document_type == "lien_waiver" and doc.state == "approved"
        )
        if not waivers:
            problems.append(_("no verified lien waiver for %s", self.name))
        return problems

    def _ap_check_compliance(self, stage):
        """Refuse if the company's setting makes compliance block ``stage``
        (certification or payment) and the documents do not cover the
        application."""
        for app in self:
            if app.company_id.ap_subcontract_compliance_block not in (stage, "both"):
                continue
            day = None if stage == "certification" else fields.Date.context_today(app)
            problems = app._ap_compliance_problems(day)
            if problems:
                raise UserError(
                    _(
                        "%(app)s cannot be %(stage)s: %(problems)s. Add the "
                        "subcontractor's documents under Payables → Compliance "
                        "Documents.",
                        app=app.name,
                        stage=_("certified") if stage == "certification" else _("paid"),
                        problems="; ".join(problems),
                    )
                )

    def _ap_check_certifier(self):
        """Without an approval rule for it, an application is certified by its
        job's project manager; a rule names the group that certifies instead."""
        required = self._approval_required_rules()
        user = self.env.user
        for app in self:
            if required[app]:
                continue
            manager = app.job_id.user_id
            if not manager:
                raise UserError(
                    _(
                        "%s has no project manager on its job: set one, or an "
                        "approval rule naming who certifies subcontractor pay "
                        "applications.",
                        app.name,
                    )
                )
            if manager != user:
                raise UserError(
                    _(
                        "%(app)s is certified by %(manager)s, the project manager "
                        "of %(job)s.",
                        app=app.name,
                        manager=manager.name,
                        job=app.job_id.display_name,
                    )
                )

    def _check_ready(self):
        for app in self:
            if not app.line_ids:
                raise UserError(
                    _(
                        "%s has no lines: its subcontract has no schedule of values.",
                        app.name,
                    )
                )
            if app.currency_id.compare_amounts(app.current_payment_due, 0) < 0:
                raise UserError(
                    _(
                        "%s gives back more than it earns: ask the subcontractor for "
                        "a credit note instead.",
                        app.name,
                    )
                )

    # ---------------------------------------------------------------- actions
    def _approval_amount(self):
        self.ensure_one()
        return self.current_payment_due

    def action_submit(self):
        self._approval_check_state(["draft"], _("submitted"))
        self._refresh_from_order()
        self._check_ready()
        self._approval_submit("submitted")
        return True

    def action_certify(self):
        """The job's project manager (or a rule's group) certifies the amount; never
        whoever prepared or submitted the application."""
        self._approval_check_state(["submitted"], _("certified"))
        self._approval_check_approver(self._approval_approver_groups())
        self._ap_check_certifier()
        self._refresh_from_order()
        self._check_ready()
        self._ap_check_compliance("certification")
        certified = self._approval_approve()
        for app in certified:
            app.message_post(
                body=_(
                    "Certified by %(user)s: completed and stored to date %(to_date)s, "
                    "retainage %(retainage)s, current payment due %(due)s.",
                    user=self.env.user.name,
                    to_date=format_amount(
                        self.env, app.total_completed_stored, app.currency_id
                    ),
                    retainage=format_amount(
                        self.env, app.retainage_total, app.currency_id
                    ),
                    due=format_amount(
                        self.env, app.current_payment_due, app.currency_id
                    ),
                )
            )
        certified._ap_emit_status("subcontract_pay_app.certified")
        return True

    def _ap_emit_status(self, event_type):
        """Tell the subcontractor's portal what became of its applications: a signed
        event each, by the portal's own id, with the certified figures or the
        reason for rejecting."""
        external_ids = self.env["integration.mapping"]._external_ids(self)
        outbox = self.env["integration.outbox"]
        for app in self:
            outbox._emit(
                event_type,
                app,
                {
                    "pay_application_id": app.id,
                    "name": app.name,
                    "number": app.number,
                    "subcontract": app.order_id.name,
                    "vendor_reference": app.vendor_reference or None,
                    "external_ids": external_ids[app.id],
                    "state": app.state,
                    "period_end": app.period_end,
                    "currency": app.currency_id.name,
                    "total_completed_stored": app.total_completed_stored,
                    "retainage_total": app.retainage_total,
                    "current_payment_due": app.current_payment_due,
                    "rejection_reason": (
                        app.rejection_reason if app.state == "rejected" else None
                    ),
                    "decided_by": self.env.user.name,
                },
                company=app.company_id,
            )

    def action_reject(self, reason):
        """Whoever may certify the application turns it down, saying why: it waits,
        locked, for AP (or the subcontractor, by a resend) to revise it."""
        self._approval_check_state(["submitted"], _("rejected"))
        self._ap_check_certifier()
        self._approval_reject("rejected", reason)
        self._ap_emit_status("subcontract_pay_app.rejected")
        return True

    def action_reset_draft(self):
        self._approval_check_state(["submitted", "rejected"], _("set back to draft"))
        self.check_access("write")
        self._approval_back_to_draft(_("Set back to draft by %s.") % self.env.user.name)
        return True

    def action_cancel(self):
        for app in self.filtered(lambda a: a.state != "cancel"):
            if app.state in CERTIFIED_STATES:
                if not self.env.user.has_group(AP_MANAGER):
                    raise UserError(
                        _("Only an AP manager cancels a certified pay application.")
                    )
                if app.bill_id and app.bill_id.state != "cancel":
                    raise UserError(
                        _(
                            "The bill of %s is still active: cancel or delete it "
                            "first.",
                            app.name,
                        )
                    )
                later = self.search(
                    [
                        ("order_id", "=", app.order_id.id),
                        ("number", ">", app.number),
                        ("state", "!=", "cancel"),
                    ],
                    limit=1,
                )
                if later:
                    raise UserError(_("Cancel %s first.", later.name))
        self.check_access("write")
        self._approval_write({"state": "cancel"})
        return True

    def action_create_bill(self):
        """The vendor bill of a certified application, a draft for AP: this
        period's work on the subcontract's order lines (job × cost code), the
        retention withheld on the retention payable account."""
        if not self.env.user.has_group(AP_CLERK):
            raise UserError(_("Only AP bills subcontractor pay applications."))
        for app in self:
            if app.state != "certified":
                raise UserError(
                    _(
                        "%s is not certified, or billed already: only a certified "
                        "pay application is billed, once.",
                        app.name,
                    )
                )
            bill = app._ap_create_bill()
            app._approval_write({"bill_id": bill.id, "state": "billed"})
            app.message_post(
                body=Markup(_("Vendor bill %s created."))
                % bill._get_html_link(title=bill.display_name)
            )
        if len(self) == 1:
            return self.action_view_bill()
        return True

    def action_view_bill(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.bill_id.id,
            "view_mode": "form",
        }

    def _ap_create_bill(self):
        self.ensure_one()
        order, currency = self.order_id, self.currency_id
        account = self.company_id._ap_subcontract_retention_account()
        lines, retention = [], []
        for line in self.line_ids:
            order_line = line.order_line_id
            if not currency.is_zero(line.amount_this_period):
                lines.append(
                    Command.create(
                        {
                            "name": _(
                                "%(item)s: work completed this period and change in "
                                "stored materials",
                                item=order_line.name,
                            ),
                            "product_id": order_line.product_id.id,
                            "product_uom_id": order_line.product_uom.id,
                            # the schedule of values bills lump sums: the quantity
                            # is the value at the order's unit price of 1
                            "quantity": line.amount_this_period,
                            "price_unit": order_line.price_unit,
                            "tax_ids": [Command.set(order_line.taxes_id.ids)],
                            "purchase_line_id": order_line.id,
                            "analytic_distribution": order_line.analytic_distribution,
                        }
                    )
                )
            withheld = line.retainage - line.previous_retainage
            if not currency.is_zero(withheld):
                retention.append(
                    Command.create(
                        {
                            "name": _(
                                "Retention withheld on %(item)s (%(rate)s%%)",
                                item=order_line.name,
                                rate=f"{self.retention_percent:g}",
                            ),
                            "quantity": 1.0,
                            "price_unit": -withheld,
                            "account_id": account.id,
                            "tax_ids": [Command.clear()],
                            "analytic_distribution": order_line.analytic_distribution,
                            "ap_subcontract_retention": True,
                        }
                    )
                )
        if not lines:
            raise UserError(_("%s bills nothing this period.", self.name))
        with subcontract_billing():
            return (
                self.env["account.move"]
                .with_company(self.company_id)
                .create(
                    {
                        "move_type": "in_invoice",
                        "partner_id": order.partner_id.id,
                        "currency_id": currency.id,
                        "invoice_date": self.application_date,
                        "invoice_origin": order.name,
                        "ref": self.vendor_reference or self.name,
                        "ap_subcontract_order_id": order.id,
                        "ap_subcontract_pay_app_id": self.id,
                        "ap_subcontract_kind": "progress",
                        "invoice_line_ids": lines + retention,
                    }
                )
            )

    def _ap_return_to_certified(self, bill_name):
        """The bill ``bill_name`` was cancelled or deleted: the application stays
        certified and may be billed again. The one state change billing makes on
        its own."""
        for app in self.filtered(lambda a: a.state == "billed"):
            app._approval_write({"state": "certified", "bill_id": False})
            app.message_post(
                body=_(
                    "Bill %s was cancelled or deleted: the application is certified "
                    "again, to be billed anew.",
                    bill_name,
                )
            )
