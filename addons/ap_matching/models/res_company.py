# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.construction_project_sync.models.res_company import (
    RESERVED_ACCOUNT_TYPES,
)

# (kind, percent field, absolute field) of the three tolerances, named alike on
# the company and on the vendor
TOLERANCE_FIELDS = (
    ("price", "ap_price_tolerance_percent", "ap_price_tolerance_amount"),
    ("qty", "ap_qty_tolerance_percent", "ap_qty_tolerance_qty"),
    ("total", "ap_total_tolerance_percent", "ap_total_tolerance_amount"),
)


class ResCompany(models.Model):
    _inherit = "res.company"

    ap_price_tolerance_percent = fields.Float(
        string="Price Tolerance (%)",
        default=2.0,
        help="How far a bill's unit price may exceed the order's, as a share of the "
        "order's price. Zero: not used. With an absolute tolerance too, the smaller "
        "of the two binds.",
    )
    ap_price_tolerance_amount = fields.Monetary(
        string="Price Tolerance (per unit)",
        currency_field="currency_id",
        help="How far a bill's unit price may exceed the order's, in company "
        "currency. Zero: not used.",
    )
    ap_qty_tolerance_percent = fields.Float(
        string="Quantity Tolerance (%)",
        help="How far the quantity billed (this bill and earlier posted ones) may "
        "exceed what was received (or ordered, for products billed on ordered "
        "quantities), as a share of it. Zero: not used.",
    )
    ap_qty_tolerance_qty = fields.Float(
        string="Quantity Tolerance (units)",
        digits="Product Unit of Measure",
        help="The same, in units of the order line. Zero: not used.",
    )
    ap_total_tolerance_percent = fields.Float(
        string="Total Tolerance (%)",
        default=2.0,
        help="How far the amount billed on an order line (this bill and earlier "
        "posted ones) may exceed the order line's amount, as a share of it.",
    )
    ap_total_tolerance_amount = fields.Monetary(
        string="Total Tolerance (amount)",
        currency_field="currency_id",
        help="The same, in company currency. Zero: not used.",
    )
    ap_sla_hours = fields.Integer(
        string="Match Exception SLA (hours)",
        default=72,
        help="Time the owner of a match exception has to resolve it.",
    )
    ap_sla_large_amount = fields.Monetary(
        string="Large Bill From",
        currency_field="currency_id",
        default=10000.0,
        help="Bills of at least this total (company currency) get the shorter SLA "
        "below and a high criticality.",
    )
    ap_sla_large_hours = fields.Integer(
        string="Large Bill SLA (hours)",
        default=24,
    )
    ap_procurement_user_id = fields.Many2one(
        "res.users",
        string="Procurement Owner",
        help="Owns price and order exceptions of bills (empty: the order's buyer).",
    )
    ap_finance_user_id = fields.Many2one(
        "res.users",
        string="Project Finance Owner",
        help="Owns coding exceptions (no order, order line not found), frozen "
        "periods and duplicates; the fallback owner of every exception.",
    )

    def _ap_tolerances(self, vendor):
        """{kind: (percent, absolute)} for bills of ``vendor`` (a commercial
        partner) in this company: the vendor's own when it overrides them."""
        self.ensure_one()
        source = vendor if vendor.ap_tolerance_override else self
        return {
            kind: (source[percent], source[absolute])
            for kind, percent, absolute in TOLERANCE_FIELDS
        }

    ap_over_receipt_policy = fields.Selection(
        [("refuse", "Refuse the confirmation"), ("flag", "Receive and flag")],
        string="Over-Receipt from the Field",
        default="refuse",
        required=True,
        help="A field receipt confirming more than a purchase order line still "
        "expects: refused whole (nothing is received, the message can be replayed "
        "once the order is changed), or received and raised as an exception for "
        "procurement.",
    )
    ap_unbilled_receipt_days = fields.Integer(
        string="Receipts Billed Within (Days)",
        default=30,
        help="A purchase order received this many days ago and still not billed is "
        "reported by the reconciliation check 'Received, not billed'.",
    )
    ap_duplicate_window_days = fields.Integer(
        string="Duplicate Bill Window (days)",
        default=7,
        help="Two bills of one vendor for the same amount dated at most this many "
        "days apart are possible duplicates (0: the same day only).",
    )

    ap_subcontract_retention_account_id = fields.Many2one(
        "account.account",
        string="Retention Payable Account",
        help="Where retention withheld from subcontractors sits until it is "
        "released. Created as 'Retention Payable' (current liability) on the first "
        "subcontract bill if empty.",
    )
    ap_subcontract_compliance_block = fields.Selection(
        [
            ("none", "Nothing (warn only)"),
            ("certification", "Certification"),
            ("payment", "Payment"),
            ("both", "Certification and payment"),
        ],
        string="Missing Compliance Blocks",
        default="both",
        required=True,
        help="What a subcontractor's missing or expired insurance certificate, or a "
        "pay application without its lien waiver, blocks.",
    )
    ap_subcontract_release_policy = fields.Selection(
        [
            ("completion", "Once every item is complete"),
            ("anytime", "Any time (partial releases)"),
        ],
        string="Retention Release",
        default="completion",
        required=True,
        help="When an AP manager may release a subcontract's retention held.",
    )

    @api.constrains("ap_subcontract_retention_account_id")
    def _check_ap_subcontract_retention_account(self):
        for company in self:
            account = company.ap_subcontract_retention_account_id
            if account and account.account_type in RESERVED_ACCOUNT_TYPES:
                raise ValidationError(
                    _(
                        "The retention payable account must be an ordinary liability "
                        "account, not a payable, receivable or cash account: the "
                        "vendor's payable is kept for what is due now."
                    )
                )

    def _ap_subcontract_retention_account(self):
        """The retention payable account, created on first use."""
        self.ensure_one()
        # sudo: reading the company's configuration
        account = self.sudo().ap_subcontract_retention_account_id
        if account:
            return account
        # sudo: billing a pay application is an AP clerk's act; creating the
        # company's retention account (and remembering it) needs accounting
        # configuration rights they do not have. The account is the one above.
        accounts = self.env["account.account"].sudo().with_company(self)
        account = accounts.create(
            {
                "code": accounts._search_new_account_code("211500", cache={}),
                "name": _("Retention Payable"),
                "account_type": "liability_current",
                "reconcile": True,
                "company_ids": [(6, 0, self.ids)],
            }
        )
        self.sudo().ap_subcontract_retention_account_id = account
        return account
