# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from .construction_wip_schedule_line import PROGRESS_METHODS


class ProjectProject(models.Model):
    """A construction job is an Odoo project; its analytic account is the job
    dimension of every cost."""

    _name = "project.project"
    _inherit = ["project.project", "integration.lineage.mixin"]

    is_job = fields.Boolean(string="Construction Job", index=True)
    job_number = fields.Char(index=True, copy=False, tracking=True)
    job_state = fields.Selection(
        [
            ("bid", "Bid"),
            ("awarded", "Awarded"),
            ("active", "In Progress"),
            ("closed", "Closed"),
        ],
        default="bid",
        tracking=True,
    )
    contract_value = fields.Monetary(
        string="Original Contract", currency_field="currency_id", tracking=True
    )
    approved_change_value = fields.Monetary(
        compute="_compute_contract", currency_field="currency_id"
    )
    revised_contract_value = fields.Monetary(
        string="Revised Contract",
        compute="_compute_contract",
        currency_field="currency_id",
    )
    retention_percent = fields.Float(
        string="Retention (%)",
        default=10.0,
        tracking=True,
        help="Share of each progress billing the customer withholds until completion.",
    )
    phase_ids = fields.One2many("construction.phase", "job_id", string="Phases")
    budget_ids = fields.One2many("construction.budget", "job_id", string="Budgets")
    change_order_ids = fields.One2many(
        "construction.change.order", "job_id", string="Change Orders"
    )
    current_budget_id = fields.Many2one(
        "construction.budget", compute="_compute_current_budget"
    )

    _sql_constraints = [
        (
            "job_number_company_uniq",
            "unique(job_number, company_id)",
            "A job number is unique per company.",
        )
    ]

    @api.depends(
        "contract_value",
        "change_order_ids.state",
        "change_order_ids.kind",
        "change_order_ids.price_total",
    )
    def _compute_contract(self):
        for job in self:
            approved = job.change_order_ids.filtered(
                lambda co: co.state == "approved" and co.kind == "owner"
            )
            job.approved_change_value = sum(approved.mapped("price_total"))
            job.revised_contract_value = job.contract_value + job.approved_change_value

    @api.depends("budget_ids.state", "budget_ids.version")
    def _compute_current_budget(self):
        for job in self:
            approved = job.budget_ids.filtered(lambda b: b.state == "approved")
            job.current_budget_id = (
                approved.sorted("version")[-1:] if approved else False
            )

    @api.depends("job_number", "name")
    def _compute_display_name(self):
        result = super()._compute_display_name()
        for job in self.filtered("job_number"):
            job.display_name = f"[{job.job_number}] {job.name}"
        return result

    def _analytic_distribution(self, cost_code, percent=100.0):
        """job × cost code, as Odoo's analytic_distribution fields take it."""
        self.ensure_one()
        if not self.account_id:
            raise UserError(_("Job %s has no analytic account.") % self.display_name)
        return {f"{self.account_id.id},{cost_code.analytic_account_id.id}": percent}

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # a job carries costs (timesheets, an analytic account) and belongs to
            # the company holding its contract
            if vals.get("is_job"):
                vals.setdefault("allow_timesheets", True)
                vals.setdefault("company_id", self.env.company.id)
        return super().create(vals_list)

    def action_view_job_cost(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_job_cost"
        )
        action["domain"] = [("job_id", "=", self.id)]
        action["context"] = {"search_default_group_cost_code": 1}
        return action

    sov_line_ids = fields.One2many(
        "construction.sov.line", "job_id", string="Schedule of Values"
    )
    sov_total = fields.Monetary(
        string="Schedule of Values Total",
        compute="_compute_sov_total",
        currency_field="currency_id",
    )

    pay_application_ids = fields.One2many(
        "construction.pay.application", "job_id", string="Pay Applications"
    )
    pay_application_count = fields.Integer(compute="_compute_pay_application_count")
    retention_held = fields.Monetary(
        compute="_compute_retention_held",
        currency_field="currency_id",
        help="Retention withheld on this job's posted pay application invoices less "
        "what retention release invoices give back (drafts included: a release "
        "being prepared is no longer available to release).",
    )
    billing_tax_ids = fields.Many2many(
        "account.tax",
        "construction_job_billing_tax_rel",
        "job_id",
        "tax_id",
        string="Contract Taxes",
        domain=[("type_tax_use", "=", "sale")],
        default=lambda self: self.env.company.account_sale_tax_id,
        # financial terms of the contract: set by those who bill, not by whoever
        # may edit the job
        groups="construction_project_sync.group_project_controller,"
        "account.group_account_manager",
        help="Taxes of the contract, on every progress, retention and release "
        "invoice line of the job, mapped by the customer's fiscal position. "
        "Retention carries them too: its tax is due when it is released.",
    )

    @api.depends("sov_line_ids.scheduled_value")
    def _compute_sov_total(self):
        for job in self:
            job.sov_total = sum(job.sov_line_ids.mapped("scheduled_value"))

    @api.depends("pay_application_ids")
    def _compute_pay_application_count(self):
        for job in self:
            job.pay_application_count = len(job.pay_application_ids)

    def _compute_retention_held(self):
        held = self._retention_held_amounts()
        for job in self:
            job.retention_held = held.get(job, 0.0)

    def _retention_held_amounts(self):
        """Retention the customer holds: withheld on posted invoices (a draft
        withholds nothing yet), less releases, drafts included (what a release
        being prepared gives back is no longer there to release)."""
        withheld = self._retention_balances("progress", ("posted",))
        released = self._retention_balances("retention_release")
        return {job: withheld.get(job, 0.0) + released.get(job, 0.0) for job in self}

    def _retention_balances(self, kind, states=("draft", "posted")):
        """Balance of the retention lines of the jobs' billing moves of ``kind``
        in ``states`` (a reversal counts against what it reverses): positive what
        is withheld, negative what is released."""
        # sudo: the figure caps a release and feeds the G702; project people read it
        # without invoicing rights
        groups = (
            self.env["account.move.line"]
            .sudo()
            ._read_group(
                [
                    ("move_id.construction_job_id", "in", self.ids),
                    ("move_id.construction_billing_kind", "=", kind),
                    ("construction_retention", "=", True),
                    ("parent_state", "in", list(states)),
                ],
                ["move_id"],
                ["balance:sum"],
            )
        )
        result = {}
        for move, balance in groups:
            job = self.browse(move.construction_job_id.id)
            result[job] = result.get(job, 0.0) + balance
        return result

    def _retention_released(self):
        self.ensure_one()
        return -self._retention_balances("retention_release").get(self, 0.0)

    def _billing_company(self):
        """The company that bills the job: its own, else (a job shared by
        companies) the current one."""
        self.ensure_one()
        return self.company_id or self.env.company

    def _billing_taxes(self, company):
        """The contract's taxes for this job's customer, as invoice line values:
        Odoo's own rule for a line without a product (the fiscal position maps the
        taxes), with the contract's taxes in place of the product's."""
        self.ensure_one()
        taxes = self.billing_tax_ids.filtered_domain(
            self.env["account.tax"]._check_company_domain(company)
        )
        # sudo: the fiscal position is accounting configuration a project
        # controller cannot read; only its mapping of the contract's taxes is used
        position = (
            self.env["account.fiscal.position"]
            .sudo()
            .with_company(company)
            ._get_fiscal_position(self.partner_id)
        )
        if position:
            taxes = position.map_tax(taxes)
        return [Command.set(taxes.ids)]

    def _create_billing_move(
        self, move_type, lines, kind, pay_application=None, ref=None, date=None
    ):
        """A customer invoice (or credit note) draft of the job; accounting posts
        it. Lines are account.move.line values, taxed with the contract's taxes.
        Refused when ``date`` (today by default) may not be posted."""
        self.ensure_one()
        company = (
            pay_application.company_id if pay_application else (self._billing_company())
        )
        date = date or fields.Date.context_today(self)
        self.env["integration.freeze"]._check_posting(company, [date])
        taxes = self._billing_taxes(company)
        lines = [{**vals, "tax_ids": taxes} for vals in lines]
        # sudo: billing a job is a project controller's or approver's act; they need
        # no invoicing rights for a draft accounting reviews and posts.
        moves = self.env["account.move"].sudo().with_company(company)
        return moves.create(
            {
                "move_type": move_type,
                "partner_id": self.partner_id.id,
                "journal_id": company._construction_sale_journal().id,
                "invoice_origin": pay_application.name
                if pay_application
                else self.display_name,
                "ref": ref,
                "invoice_date": date,
                "construction_job_id": self.id,
                "construction_pay_application_id": pay_application.id
                if pay_application
                else False,
                "construction_billing_kind": kind,
                "invoice_line_ids": [(0, 0, vals) for vals in lines],
            }
        )

    def _create_retention_release(self, amount, description=None):
        """A customer invoice draft of its own that bills (part of) the retention
        held back to the customer; never more than is held."""
        self.ensure_one()
        currency = self.currency_id
        # one release of a job at a time: a second one waits here for the first
        # to commit, then sees what it released (read committed)
        self.env.cr.execute(
            SQL("SELECT id FROM project_project WHERE id = %s FOR UPDATE", self.id)
        )
        held = self._retention_held_amounts()[self]
        if currency.compare_amounts(amount, 0) <= 0:
            raise UserError(_("The amount to release must be positive."))
        if currency.compare_amounts(amount, held) > 0:
            raise UserError(
                _(
                    "%(job)s holds %(held)s of retention: %(amount)s cannot be "
                    "released.",
                    job=self.display_name,
                    held=format_amount(self.env, held, currency),
                    amount=format_amount(self.env, amount, currency),
                )
            )
        if not self.partner_id:
            raise UserError(_("Job %s has no customer to invoice.", self.display_name))
        account = self._billing_company()._construction_retention_account()
        move = self._create_billing_move(
            "out_invoice",
            [
                {
                    "name": description or _("Retention release"),
                    "quantity": 1.0,
                    "price_unit": amount,
                    "account_id": account.id,
                    "construction_retention": True,
                }
            ],
            kind="retention_release",
            ref=_("Retention release, %s", self.display_name),
        )
        self.invalidate_recordset(["retention_held"])
        self.message_post(
            body=_(
                "Retention release of %(amount)s invoiced (draft %(move)s) by "
                "%(user)s; %(held)s still held.",
                amount=format_amount(self.env, amount, currency),
                move=move.display_name,
                user=self.env.user.name,
                held=format_amount(self.env, held - amount, currency),
            )
        )
        return move

    def action_view_sov(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_sov_line"
        )
        action["domain"] = [("job_id", "=", self.id)]
        action["context"] = {"default_job_id": self.id}
        return action

    def action_view_pay_applications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_pay_application"
        )
        action["domain"] = [("job_id", "=", self.id)]
        action["context"] = {"default_job_id": self.id}
        return action

    def action_release_retention(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Release Retention"),
            "res_model": "construction.retention.release",
            "view_mode": "form",
            "target": "new",
            "context": {"default_job_id": self.id},
        }

    work_order_count = fields.Integer(compute="_compute_work_order_count")

    def _compute_work_order_count(self):
        counts = dict(
            self.env["project.task"]._read_group(
                [("project_id", "in", self.ids), ("is_work_order", "=", True)],
                ["project_id"],
                ["__count"],
            )
        )
        for job in self:
            job.work_order_count = counts.get(job, 0)

    def action_view_work_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_work_order"
        )
        action["domain"] = [("project_id", "=", self.id), ("is_work_order", "=", True)]
        action["context"] = {
            "default_project_id": self.id,
            "default_is_work_order": True,
        }
        return action

    work_order_pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        # contract terms: set by those who bill, like the contract taxes
        groups="construction_project_sync.group_project_controller,"
        "account.group_account_invoice",
        help="The contract's rates for time-and-materials work orders of the job "
        "(labour hours, materials). Empty: the products' sales prices.",
    )

    document_count = fields.Integer(compute="_compute_document_count")

    def _compute_document_count(self):
        counts = dict(
            self.env["construction.document"]._read_group(
                [("project_id", "in", self.ids)], ["project_id"], ["__count"]
            )
        )
        for job in self:
            job.document_count = counts.get(job, 0)

    def action_view_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_document"
        )
        action["domain"] = [("project_id", "=", self.id)]
        action["context"] = {"search_default_group_type": 1}
        return action

    discrepancy_summary = fields.Text(
        string="Discrepancies",
        compute="_compute_discrepancy_summary",
        help="What the systems disagree about on this job, in plain words: open "
        "exceptions and the open drift of the latest reconciliation.",
    )

    def _compute_discrepancy_summary(self):
        for job in self:
            job.discrepancy_summary = (
                job._discrepancy_summary() if job.is_job and job.id else False
            )

    def _discrepancy_summary(self, date_from=None, date_to=None):
        """The job's discrepancies in plain words, for whoever may read the job."""
        self.ensure_one()
        self.check_access("read")
        # sudo: a project manager reads what the hub found about a job they can
        # read (checked above) without rights on the hub's exceptions; the search
        # is bound to this job
        return (
            self.env["integration.summary"]
            .sudo()
            ._summary(self.sudo(), date_from, date_to)
        )

    def action_summarise_discrepancies(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Discrepancies of %s", self.display_name),
            "res_model": "construction.job.summary",
            "view_mode": "form",
            "target": "new",
            "context": {"default_job_id": self.id},
        }

    def action_view_earned_value(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.progress_action_earned_value"
        )
        action["domain"] = [("job_id", "=", self.id)]
        return action

    def action_view_installed_quantities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.progress_action_installed_quantity"
        )
        action["domain"] = [("job_id", "=", self.id)]
        action["context"] = {"default_job_id": self.id}
        return action

    wip_progress_method = fields.Selection(
        PROGRESS_METHODS,
        string="Percent Complete Method",
        default="cost",
        help="How the WIP schedule measures the job's percent complete: cost to "
        "date over estimated cost, or the field's reported progress weighted by "
        "the schedule of values.",
    )
    forecast_ids = fields.One2many(
        "construction.forecast", "job_id", string="Forecasts"
    )
