# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

# accounts Odoo reserves for its own mechanics (payment terms, cash): not for retention
RESERVED_ACCOUNT_TYPES = (
    "asset_receivable",
    "liability_payable",
    "asset_cash",
    "liability_credit_card",
    "off_balance",
)


REVENUE_METHODS = [
    ("billings", "Billings are revenue"),
    ("poc", "Percentage of completion"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    construction_retention_account_id = fields.Many2one(
        "account.account",
        string="Retention Receivable Account",
        help="Where the retention the customer withholds on progress billings sits "
        "until it is released. Created as 'Retention Receivable' (current asset) on "
        "the first pay application invoice if empty.",
    )
    construction_billing_income_account_id = fields.Many2one(
        "account.account",
        string="Progress Billing Income Account",
        help="Income account of pay application invoices; empty: the default account "
        "of the sales journal.",
    )

    @api.constrains("construction_retention_account_id")
    def _check_construction_retention_account(self):
        for company in self:
            account = company.construction_retention_account_id
            if account and account.account_type in RESERVED_ACCOUNT_TYPES:
                raise ValidationError(
                    _(
                        "The retention receivable account must be an ordinary asset "
                        "account, not a receivable, payable or cash account: the "
                        "customer's receivable is kept for what is due now."
                    )
                )

    def _construction_retention_account(self):
        """The retention receivable account, created on first use."""
        self.ensure_one()
        if self.construction_retention_account_id:
            return self.construction_retention_account_id
        # sudo: billing is a project controller's act; creating the company's
        # retention account (and remembering it) needs accounting configuration
        # rights they do not have. The account is the one documented above.
        accounts = self.env["account.account"].sudo().with_company(self)
        account = accounts.create(
            {
                "code": accounts._search_new_account_code("121500", cache={}),
                "name": _("Retention Receivable"),
                "account_type": "asset_current",
                "reconcile": True,
                "company_ids": [(6, 0, self.ids)],
            }
        )
        self.sudo().construction_retention_account_id = account
        return account

    def _construction_billing_income_account(self):
        self.ensure_one()
        # sudo: see _construction_retention_account; only reads configuration
        company = self.sudo()
        if company.construction_revenue_method == "poc":
            # progress invoices are billings, recognised as revenue by the WIP
            # schedule's entries
            if not company.construction_billings_account_id:
                raise UserError(
                    _(
                        "%s recognises revenue by percentage of completion: set the "
                        "contract billings account in Invoicing settings.",
                        self.name,
                    )
                )
            return company.construction_billings_account_id
        account = company.construction_billing_income_account_id
        if not account:
            journal = self._construction_sale_journal()
            account = journal.default_account_id
        if not account:
            raise UserError(
                _(
                    "%s has no income account for progress billing: set one in "
                    "Invoicing settings (Construction Progress Billing)."
                )
                % self.name
            )
        return account

    def _construction_sale_journal(self):
        self.ensure_one()
        # sudo: see _construction_retention_account; only reads configuration
        journal = (
            self.env["account.journal"]
            .sudo()
            .search(
                [
                    *self.env["account.journal"]._check_company_domain(self),
                    ("type", "=", "sale"),
                ],
                limit=1,
            )
        )
        if not journal:
            raise UserError(
                _(
                    "%s has no sales journal yet: set up its accounting (a chart of "
                    "accounts) before invoicing pay applications."
                )
                % self.name
            )
        return journal

    field_time_max_day_hours = fields.Float(
        string="Most Field Hours a Day",
        default=16.0,
        help="A worker's field time lines of one day adding up to more than this "
        "open an exception (implausible day) for the supervisor to check before "
        "approving. Zero: no check.",
    )
    work_order_billing_days = fields.Integer(
        string="Work Orders Unbilled After (days)",
        default=7,
        help="A completed, billable work order not on an invoice this many days "
        "after its completion is listed by the reconciliation check "
        "'Completed work orders not invoiced'.",
    )
    work_order_labour_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="Bills the hours of time-and-materials work orders; empty: the "
        "shipped 'Field Labour' product.",
    )
    work_order_fixed_price_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="Bills fixed-price work orders; empty: the shipped 'Work Order "
        "(Fixed Price)' product.",
    )

    def _work_order_labour_product(self):
        self.ensure_one()
        return self.work_order_labour_product_id or self.env.ref(
            "construction_project_sync.product_work_order_labour"
        )

    def _work_order_fixed_price_product(self):
        self.ensure_one()
        return self.work_order_fixed_price_product_id or self.env.ref(
            "construction_project_sync.product_work_order_fixed_price"
        )

    construction_revenue_method = fields.Selection(
        REVENUE_METHODS,
        string="Contract Revenue Method",
        default="billings",
        required=True,
        help="Percentage of completion: progress invoices post to the billings "
        "account, and the WIP schedule's entries bring revenue to what is earned.",
    )
    construction_billings_account_id = fields.Many2one(
        "account.account",
        string="Contract Billings Account",
        help="Where progress invoices post under the percentage-of-completion method.",
    )
    construction_underbilling_account_id = fields.Many2one(
        "account.account",
        string="Under-billings Account",
        help="Costs and estimated earnings in excess of billings (a current asset).",
    )
    construction_overbilling_account_id = fields.Many2one(
        "account.account",
        string="Over-billings Account",
        help="Billings in excess of costs and estimated earnings (a current "
        "liability).",
    )
    construction_earned_revenue_account_id = fields.Many2one(
        "account.account",
        string="Earned Revenue Adjustment Account",
        help="Income account the over/under-billing entries adjust; empty: the "
        "progress billing income account.",
    )
    construction_wip_journal_id = fields.Many2one(
        "account.journal",
        string="Revenue Recognition Journal",
        domain=[("type", "=", "general")],
        help="Journal of the WIP schedule's entries; empty: the first "
        "miscellaneous journal.",
    )

    @api.constrains(
        "construction_underbilling_account_id", "construction_overbilling_account_id"
    )
    def _check_construction_wip_accounts(self):
        for company in self:
            under = company.construction_underbilling_account_id
            over = company.construction_overbilling_account_id
            if under and not under.account_type.startswith("asset_"):
                raise ValidationError(_("The under-billings account is an asset."))
            if over and not over.account_type.startswith("liability_"):
                raise ValidationError(_("The over-billings account is a liability."))

    def _construction_wip_accounts(self):
        """{"journal", "under", "over", "revenue"} for the recognition entries."""
        self.ensure_one()
        # sudo: closing a WIP schedule is an approver's act; they read the
        # accounting configuration, never change it
        company = self.sudo()
        if not (
            company.construction_underbilling_account_id
            and company.construction_overbilling_account_id
        ):
            raise UserError(
                _(
                    "%s has no under- and over-billings accounts: set them in "
                    "Invoicing settings (Construction revenue recognition) before "
                    "closing a WIP schedule.",
                    self.name,
                )
            )
        journal = company.construction_wip_journal_id or self.env[
            "account.journal"
        ].sudo().search(
            [
                *self.env["account.journal"]._check_company_domain(self),
                ("type", "=", "general"),
            ],
            limit=1,
        )
        if not journal:
            raise UserError(_("%s has no miscellaneous journal.", self.name))
        revenue = (
            company.construction_earned_revenue_account_id
            or self._construction_billing_income_account()
        )
        return {
            "journal": journal,
            "under": company.construction_underbilling_account_id,
            "over": company.construction_overbilling_account_id,
            "revenue": revenue,
        }
