# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Progress billing in the shape of the AIA G702 (application and certificate for
payment) and G703 (continuation sheet).

G703, per schedule of values item: C scheduled value, D work completed on previous
applications, E work completed this period, F materials presently stored (a balance,
not in D or E), G = D + E + F completed and stored to date, H = G / C, I = C - G
balance to finish, J retainage = rate x (D + E) + rate x F, each rounded.

G702, per application:
  1 original contract sum              (the job's original contract)
  2 net change by change orders        (approved owner change orders)
  3 contract sum to date               = 1 + 2
  4 total completed and stored to date = sum of G
  5 retainage                          = 5a + 5b - retention released so far
      5a rate x completed work (D + E), 5b rate x stored materials (F)
  6 total earned less retainage        = 4 - 5
  7 less previous certificates         = previous application's 4 - its (5a + 5b)
                                          + retention released so far
  8 current payment due                = 6 - 7
  9 balance to finish, incl. retainage = 3 - 6

Retention released by its own invoice (see construction.retention.release) lowers
line 5 and counts as certified in line 7, so line 8 is always this period's gross
earnings less this period's retention, which is what the invoice bills.
"""

from datetime import timedelta

from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

from .construction_sov_line import BILLED_STATES

APPROVER = "construction_project_sync.group_project_approver"
CONTROLLER = "construction_project_sync.group_project_controller"
OPEN_STATES = ("draft", "submitted")

# what a person decides on a draft; a change once submitted sends it back to draft
DRAFT_FIELDS = {
    "job_id",
    "period_start",
    "period_end",
    "application_date",
    "retention_percent",
    "allow_overbilling",
    "line_ids",
    "number",
    "note",
}


class ConstructionPayApplication(models.Model):
    _name = "construction.pay.application"
    _description = "Pay Application"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "construction.approval.mixin",
        "construction.pay.period.mixin",
    ]
    _pay_period_contract_field = "job_id"
    _order = "job_id, number desc"
    _approval_pending_states = ("submitted",)
    _approval_locked_states = ("approved", "invoiced", "cancel")
    _approval_kept_states = ("submitted", "approved", "invoiced")
    _approval_figure_fields = tuple(sorted(DRAFT_FIELDS - {"note"}))
    _approval_free_fields = ("note",)
    _approval_extra_protected_fields = ("invoice_id",)

    name = fields.Char(compute="_compute_name", store=True)
    job_id = fields.Many2one(
        "project.project",
        required=True,
        ondelete="restrict",
        index=True,
        domain=[("is_job", "=", True)],
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        precompute=True,
        index=True,
        help="The job's company (the current one for a job shared by companies): "
        "the company that invoices.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(related="job_id.partner_id", string="Customer")
    number = fields.Integer(
        string="Application No.",
        readonly=True,
        copy=False,
        help="Sequential per job, given at creation.",
    )
    application_date = fields.Date(default=fields.Date.context_today)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("invoiced", "Invoiced"),
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
        help="Applied to completed work and to stored materials, to date; the job's "
        "rate unless changed on this application.",
    )
    allow_overbilling = fields.Boolean(
        string="Allow Over 100%",
        tracking=True,
        copy=False,
        help="Lets an item's completed and stored to date exceed its scheduled value. "
        "Only an approver can allow it.",
    )
    line_ids = fields.One2many(
        "construction.pay.application.line", "application_id", string="G703 Lines"
    )
    note = fields.Text()

    # figures taken from the job while the application is open, frozen afterwards
    original_contract_sum = fields.Monetary(readonly=True)
    change_order_sum = fields.Monetary(
        string="Net Change by Change Orders", readonly=True
    )
    previous_completed_stored = fields.Monetary(
        string="Previous Completed and Stored", readonly=True
    )
    previous_retainage = fields.Monetary(readonly=True)
    retention_released = fields.Monetary(
        readonly=True,
        help="Retention released to the customer by retention release invoices so "
        "far; no longer held.",
    )

    # G702
    contract_sum_to_date = fields.Monetary(compute="_compute_g702", store=True)
    completed_to_date = fields.Monetary(
        string="Completed Work to Date", compute="_compute_g702", store=True
    )
    stored_to_date = fields.Monetary(
        string="Stored Materials", compute="_compute_g702", store=True
    )
    total_completed_stored = fields.Monetary(
        string="Total Completed and Stored to Date",
        compute="_compute_g702",
        store=True,
    )
    retainage_completed = fields.Monetary(
        string="Retainage on Completed Work", compute="_compute_g702", store=True
    )
    retainage_stored = fields.Monetary(
        string="Retainage on Stored Materials", compute="_compute_g702", store=True
    )
    retainage_gross = fields.Monetary(
        string="Retainage Withheld to Date", compute="_compute_g702", store=True
    )
    retainage_total = fields.Monetary(
        string="Total Retainage", compute="_compute_g702", store=True
    )
    total_earned_less_retainage = fields.Monetary(compute="_compute_g702", store=True)
    previous_certificates = fields.Monetary(
        string="Less Previous Certificates for Payment",
        compute="_compute_g702",
        store=True,
    )
    current_payment_due = fields.Monetary(compute="_compute_g702", store=True)
    balance_to_finish = fields.Monetary(
        string="Balance to Finish, Including Retainage",
        compute="_compute_g702",
        store=True,
    )
    amount_this_period = fields.Monetary(
        string="Earned This Period (Gross)", compute="_compute_g702", store=True
    )
    retention_this_period = fields.Monetary(
        string="Retention Withheld This Period", compute="_compute_g702", store=True
    )

    invoice_id = fields.Many2one(
        "account.move", readonly=True, copy=False, ondelete="set null"
    )
    invoice_name = fields.Char(
        string="Invoice Number", compute="_compute_invoice_info", compute_sudo=True
    )
    invoice_state = fields.Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")],
        compute="_compute_invoice_info",
        compute_sudo=True,
    )

    def init(self):
        # one live application per number and job (cancelled ones keep theirs)
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (job_id, number) "
                "WHERE state != 'cancel'",
                SQL.identifier("construction_pay_application_job_number_uniq"),
                SQL.identifier(self._table),
            )
        )

    @api.depends("job_id")
    def _compute_company_id(self):
        for app in self:
            app.company_id = app.job_id._billing_company()

    @api.depends("job_id.job_number", "job_id.name", "number")
    def _compute_name(self):
        for app in self:
            app.name = _(
                "%(job)s Pay Application #%(number)s",
                job=app.job_id.job_number or app.job_id.name or "",
                number=app.number,
            )

    @api.depends(
        "original_contract_sum",
        "change_order_sum",
        "previous_completed_stored",
        "previous_retainage",
        "retention_released",
        "line_ids.total_to_date",
        "line_ids.materials_stored",
        "line_ids.retainage_completed",
        "line_ids.retainage_stored",
    )
    def _compute_g702(self):
        for app in self:
            lines = app.line_ids
            app.contract_sum_to_date = app.original_contract_sum + app.change_order_sum
            app.stored_to_date = sum(lines.mapped("materials_stored"))
            app.total_completed_stored = sum(lines.mapped("total_to_date"))
            app.completed_to_date = app.total_completed_stored - app.stored_to_date
            app.retainage_completed = sum(lines.mapped("retainage_completed"))
            app.retainage_stored = sum(lines.mapped("retainage_stored"))
            app.retainage_gross = app.retainage_completed + app.retainage_stored
            app.retainage_total = app.retainage_gross - app.retention_released
            app.total_earned_less_retainage = (
                app.total_completed_stored - app.retainage_total
            )
            app.previous_certificates = (
                app.previous_completed_stored
                - app.previous_retainage
                + app.retention_released
            )
            app.current_payment_due = (
                app.total_earned_less_retainage - app.previous_certificates
            )
            app.balance_to_finish = (
                app.contract_sum_to_date - app.total_earned_less_retainage
            )
            app.amount_this_period = (
                app.total_completed_stored - app.previous_completed_stored
            )
            app.retention_this_period = app.retainage_gross - app.previous_retainage

    @api.depends("invoice_id.state", "invoice_id.name")
    def _compute_invoice_info(self):
        for app in self:
            app.invoice_name = app.invoice_id.display_name or False
            app.invoice_state = app.invoice_id.state or False

    # ----------------------------------------------------------------- checks
    @api.constrains("period_start", "period_end", "job_id", "state")
    def _check_period(self):
        self._check_pay_period()

    @api.constrains("number", "job_id", "state")
    def _check_number(self):
        for app in self.filtered(lambda a: a.state != "cancel"):
            if self.search_count(
                [
                    ("job_id", "=", app.job_id.id),
                    ("number", "=", app.number),
                    ("state", "!=", "cancel"),
                    ("id", "!=", app.id),
                ]
            ):
                raise ValidationError(
                    _("%s exists already: numbers are unique per job.", app.name)
                )

    @api.constrains("allow_overbilling")
    def _check_overbilling_allowed(self):
        self.line_ids._check_not_over_scheduled()

    # ----------------------------------------------------------------- create
    @api.model_create_multi
    def create(self, vals_list):
        jobs = self.env["project.project"]
        for vals in vals_list:
            job = jobs.browse(vals.get("job_id"))
            if not job:
                continue
            if vals.get("allow_overbilling"):
                self._check_approver(_("Only an approver may allow billing over 100%."))
            open_app = self.search(
                [("job_id", "=", job.id), ("state", "in", OPEN_STATES)], limit=1
            )
            if open_app:
                raise UserError(
                    _(
                        "%s is still open: approve or cancel it before starting the "
                        "next pay application of the job.",
                        open_app.name,
                    )
                )
            previous = self._last_billed(job)
            last = self.search(
                [("job_id", "=", job.id), ("state", "!=", "cancel")],
                order="number desc",
                limit=1,
            )
            vals["number"] = (last.number or 0) + 1
            vals.setdefault("retention_percent", job.retention_percent)
            if not vals.get("period_start") and previous.period_end:
                vals["period_start"] = previous.period_end + timedelta(days=1)
            elif not vals.get("period_start") and vals.get("period_end"):
                vals["period_start"] = fields.Date.to_date(vals["period_end"]).replace(
                    day=1
                )
        apps = super().create(vals_list)
        apps._refresh_from_job()
        return apps

    @api.model
    def _last_billed(self, job, before=None):
        domain = [("job_id", "=", job.id), ("state", "in", BILLED_STATES)]
        if before:
            domain.append(("number", "<", before))
        return self.search(domain, order="number desc", limit=1)

    def write(self, vals):
        if vals.get("allow_overbilling"):
            self._check_approver(_("Only an approver may allow billing over 100%."))
        return super().write(vals)

    def unlink(self):
        if self.filtered(lambda a: a.state not in ("draft", "cancel")):
            raise UserError(
                _("Only draft or cancelled pay applications can be deleted.")
            )
        return super().unlink()

    def _refresh_from_job(self):
        """Take the job's current figures into an open application: a line per
        schedule of values item, each item's scheduled value and what previous
        approved applications billed of it, the contract sums and the retention
        released so far."""
        lines_model = self.env["construction.pay.application.line"]
        for app in self:
            if app.state not in OPEN_STATES:
                continue
            job = app.job_id
            previous = self._last_billed(job, before=app.number)
            billed = dict(
                lines_model._read_group(
                    [
                        ("job_id", "=", job.id),
                        ("application_id.state", "in", BILLED_STATES),
                        ("application_id.number", "<", app.number),
                    ],
                    ["sov_line_id"],
                    ["this_period:sum"],
                )
            )
            stored_before = {
                line.sov_line_id: line.materials_stored for line in previous.line_ids
            }
            existing = {line.sov_line_id: line for line in app.line_ids}
            commands = []
            for sov in job.sov_line_ids:
                vals = {
                    "scheduled_value": sov.scheduled_value,
                    "previous_amount": billed.get(sov, 0.0),
                    "previous_stored": stored_before.get(sov, 0.0),
                }
                line = existing.get(sov)
                if not line:
                    commands.append(Command.create({"sov_line_id": sov.id, **vals}))
                elif any(line[key] != value for key, value in vals.items()):
                    commands.append(Command.update(line.id, vals))
            app._approval_write(
                {
                    "original_contract_sum": job.contract_value,
                    "change_order_sum": job.approved_change_value,
                    "previous_completed_stored": previous.total_completed_stored,
                    "previous_retainage": previous.retainage_gross,
                    "retention_released": job._retention_released(),
                    **({"line_ids": commands} if commands else {}),
                }
            )

    def _check_approver(self, message):
        if not self.env.user.has_group(APPROVER):
            raise UserError(message)

    def _check_ready(self):
        """What a submitted or approved application must satisfy."""
        for app in self:
            job = app.job_id
            if not app.line_ids:
                raise UserError(
                    _(
                        "%s has no lines: enter the job's schedule of values first.",
                        app.name,
                    )
                )
            if app.currency_id.compare_amounts(job.sov_total, app.contract_sum_to_date):
                raise UserError(
                    _(
                        "The schedule of values of %(job)s adds up to %(sov)s, but the "
                        "contract sum to date is %(contract)s: complete the schedule "
                        "of values before billing.",
                        job=job.display_name,
                        sov=format_amount(self.env, job.sov_total, app.currency_id),
                        contract=format_amount(
                            self.env, app.contract_sum_to_date, app.currency_id
                        ),
                    )
                )

    # ---------------------------------------------------------------- actions
    def _approval_amount(self):
        self.ensure_one()
        return self.current_payment_due

    def action_submit(self):
        self._approval_check_state(["draft"], _("submitted"))
        self._refresh_from_job()
        self._check_ready()
        self._approval_submit("submitted")
        return True

    def action_approve(self):
        """A person certifies the amount; nothing else (field progress included)
        ever approves a pay application."""
        self._approval_check_state(["submitted"], _("approved"))
        self._approval_check_approver(self._approval_approver_groups())
        self._refresh_from_job()
        self._check_ready()
        approved = self._approval_approve()
        for app in approved:
            app.message_post(
                body=_(
                    "Approved by %(user)s: completed and stored to date %(to_date)s, "
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
        return True

    def action_reset_draft(self):
        self._approval_check_state(["submitted"], _("set back to draft"))
        self.check_access("write")
        self._approval_back_to_draft(_("Set back to draft by %s.") % self.env.user.name)
        return True

    def action_cancel(self):
        for app in self:
            if app.state == "cancel":
                continue
            if app.state in BILLED_STATES:
                app._check_approver(
                    _("Only an approver may cancel an approved pay application.")
                )
                later = self.search(
                    [
                        ("job_id", "=", app.job_id.id),
                        ("number", ">", app.number),
                        ("state", "!=", "cancel"),
                    ],
                    limit=1,
                )
                if later:
                    raise UserError(
                        _(
                            "Cancel %(later)s first: %(app)s is not the job's last "
                            "pay application.",
                            later=later.name,
                            app=app.name,
                        )
                    )
                if app.invoice_id and app.invoice_state != "cancel":
                    raise UserError(
                        _(
                            "The invoice of %s is still active: accounting cancels or "
                            "deletes it first.",
                            app.name,
                        )
                    )
        self.check_access("write")
        self._approval_write({"state": "cancel"})
        return True

    def action_apply_field_progress(self):
        """Copy what the field reported into this period: a suggestion a person
        reviews before submitting."""
        for app in self:
            if app.state != "draft":
                raise UserError(_("%s is not a draft.", app.name))
            lines = app.line_ids.filtered(lambda line: line.sov_line_id.reported_at)
            for line in lines:
                line.write(
                    {
                        "this_period": line.suggested_this_period,
                        "materials_stored": line.sov_line_id.reported_stored,
                    }
                )
            app.message_post(
                body=_(
                    "This period filled from the field's reported progress on %s "
                    "item(s).",
                    len(lines),
                )
            )

    def action_create_invoice(self):
        """The customer invoice of an approved application, as a draft for
        accounting to check and post: this period's earnings on the income account,
        the retention withheld on the retention receivable account."""
        if not self.env.user.has_group(CONTROLLER):
            raise UserError(
                _("Only a project controller may invoice pay applications.")
            )
        for app in self:
            if app.state not in BILLED_STATES:
                raise UserError(
                    _(
                        "%s is not approved: only an approved pay application is "
                        "invoiced.",
                        app.name,
                    )
                )
            if app.invoice_id and app.invoice_state != "cancel":
                raise UserError(_("%s is invoiced already.", app.name))
            invoice = app._create_invoice()
            app._approval_write({"invoice_id": invoice.id, "state": "invoiced"})
            app.message_post(
                body=Markup(_("Invoice draft %s created for accounting to post."))
                % invoice._get_html_link(title=invoice.display_name)
            )
        if len(self) == 1 and self.env.user.has_group("account.group_account_invoice"):
            return self.action_view_invoice()
        return True

    def _return_to_approved(self, invoice):
        """``invoice`` was cancelled, reversed or deleted: the application is
        certified but no longer invoiced, so it may be invoiced again. The one state
        change billing makes on its own."""
        for app in self.filtered(lambda a: a.state == "invoiced"):
            app._approval_write({"state": "approved", "invoice_id": False})
            app.message_post(
                body=_(
                    "Invoice %s was cancelled or reversed: the application is "
                    "approved again, to be invoiced anew.",
                    invoice.display_name,
                )
            )

    def action_view_invoice(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.invoice_id.id,
            "view_mode": "form",
        }

    def _invoice_when_accounting_ready(self):
        """Demo data: invoice approved applications now, or, while a new database is
        being created (Odoo installs the chart of accounts after every module's
        data), once the registry is loaded (see _register_hook)."""
        journals = self.env["account.journal"]
        ready = self.filtered(
            lambda app: journals.search_count(
                [
                    *journals._check_company_domain(app.company_id),
                    ("type", "=", "sale"),
                ],
                limit=1,
            )
        )
        ready.action_create_invoice()
        if self - ready:
            registry = self.env.registry
            registry._construction_pending_invoices = [
                *getattr(registry, "_construction_pending_invoices", []),
                *(self - ready).ids,
            ]

    def _register_hook(self):
        super()._register_hook()
        pending = getattr(self.env.registry, "_construction_pending_invoices", None)
        if pending:
            del self.env.registry._construction_pending_invoices
            apps = (
                self.browse(pending)
                .exists()
                .filtered(lambda app: app.state == "approved")
            )
            apps._invoice_when_accounting_ready()

    def _create_invoice(self):
        self.ensure_one()
        job, company, currency = self.job_id, self.company_id, self.currency_id
        if not job.partner_id:
            raise UserError(_("Job %s has no customer to invoice.", job.display_name))
        income = company._construction_billing_income_account()
        analytic = {str(job.account_id.id): 100.0} if job.account_id else False
        lines = []
        for line in self.line_ids:
            if currency.is_zero(line.amount_this_period):
                continue
            lines.append(
                {
                    "name": _(
                        "Item %(item)s %(name)s: work completed this period and "
                        "change in stored materials",
                        item=line.item,
                        name=line.name,
                    ),
                    "quantity": 1.0,
                    "price_unit": line.amount_this_period,
                    "account_id": income.id,
                    "analytic_distribution": analytic,
                }
            )
        if not currency.is_zero(self.retention_this_period):
            lines.append(
                {
                    "name": _(
                        "Retention withheld (%(rate)s%% of completed work and stored "
                        "materials)",
                        rate=f"{self.retention_percent:g}",
                    ),
                    "quantity": 1.0,
                    "price_unit": -self.retention_this_period,
                    "account_id": company._construction_retention_account().id,
                    "construction_retention": True,
                }
            )
        if not lines:
            raise UserError(_("%s has nothing to invoice.", self.name))
        # a period that gives back more than it earns is a credit note
        sign = -1 if currency.compare_amounts(self.current_payment_due, 0) < 0 else 1
        for vals in lines:
            vals["price_unit"] *= sign
        return job._create_billing_move(
            "out_invoice" if sign > 0 else "out_refund",
            lines,
            kind="progress",
            pay_application=self,
            date=self.application_date,
            ref=_(
                "Pay Application #%(number)s, period to %(end)s",
                number=self.number,
                end=self.period_end,
            ),
        )
