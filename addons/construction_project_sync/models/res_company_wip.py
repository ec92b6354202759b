# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

REVENUE_METHODS = [
    ("billings", "Billings are revenue"),
    ("poc", "Percentage of completion"),
]


class ResCompany(models.Model):
    """Revenue recognition of construction contracts: where the WIP schedule's
    over- and under-billings go, and where progress invoices post."""

    _inherit = "res.company"

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

    def _construction_billing_income_account(self):
        # sudo: reads configuration, as the method it extends
        company = self.sudo()
        if company.construction_revenue_method != "poc":
            return super()._construction_billing_income_account()
        if not company.construction_billings_account_id:
            raise UserError(
                _(
                    "%s recognises revenue by percentage of completion: set the "
                    "contract billings account in Invoicing settings.",
                    self.name,
                )
            )
        return company.construction_billings_account_id

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
