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
        account = self.sudo().construction_billing_income_account_id
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
