# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

AP_MANAGER = "ap_matching.group_ap_manager"

# what only an AP manager sets on a vendor: each one lets bills through or holds them
VENDOR_CONTROL_FIELDS = (
    "ap_vendor_on_hold",
    "ap_tolerance_override",
    "ap_price_tolerance_percent",
    "ap_price_tolerance_amount",
    "ap_qty_tolerance_percent",
    "ap_qty_tolerance_qty",
    "ap_total_tolerance_percent",
    "ap_total_tolerance_amount",
    # the vendor policy material requests and subcontracts obey
    "ap_purchase_blocked",
    "ap_compliance_expiry",
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    ap_vendor_on_hold = fields.Boolean(
        string="Vendor on Hold",
        help="Every bill of this vendor is held (reason: vendor on hold) and none of "
        "its posted bills can be paid until the hold is lifted.",
    )
    ap_tolerance_override = fields.Boolean(
        string="Own Match Tolerances",
        help="Match this vendor's bills with the tolerances below instead of the "
        "company's.",
    )
    ap_price_tolerance_percent = fields.Float(string="Price Tolerance (%)")
    ap_price_tolerance_amount = fields.Float(
        string="Price Tolerance (per unit)", help="In company currency."
    )
    ap_qty_tolerance_percent = fields.Float(string="Quantity Tolerance (%)")
    ap_qty_tolerance_qty = fields.Float(
        string="Quantity Tolerance (units)", digits="Product Unit of Measure"
    )
    ap_total_tolerance_percent = fields.Float(string="Total Tolerance (%)")
    ap_total_tolerance_amount = fields.Float(
        string="Total Tolerance (amount)", help="In company currency."
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get(name) for vals in vals_list for name in VENDOR_CONTROL_FIELDS):
            self._ap_check_vendor_control()
        return super().create(vals_list)

    def write(self, vals):
        controls = set(VENDOR_CONTROL_FIELDS) & set(vals)
        if controls:
            self._ap_check_vendor_control()
        result = super().write(vals)
        if controls:
            # the vendor's bills waiting for posting are judged again
            self.env["account.move"]._ap_rematch_vendors(self.commercial_partner_id)
        return result

    def _ap_check_vendor_control(self):
        if not self.env.su and not self.env.user.has_group(AP_MANAGER):
            raise UserError(
                _(
                    "Only an AP manager puts a vendor on hold, blocks or unblocks it "
                    "for purchasing, or changes its compliance date or match "
                    "tolerances."
                )
            )

    ap_purchase_blocked = fields.Boolean(
        string="Blocked for Purchasing",
        tracking=True,
        help="No purchase order is made to this vendor from material requests.",
    )
    ap_compliance_expiry = fields.Date(
        string="Compliance Valid Until",
        tracking=True,
        help="Insurance and compliance documents on file expire on this date: no "
        "order is made for material needed after it.",
    )

    def _ap_purchase_problem(self, date_needed=None):
        """Why no order may be made to this vendor, or an empty string."""
        self.ensure_one()
        vendor = self.commercial_partner_id
        if vendor.ap_purchase_blocked:
            return _("the vendor is blocked for purchasing.")
        day = date_needed or fields.Date.context_today(self)
        if vendor.ap_compliance_expiry and vendor.ap_compliance_expiry < day:
            return _(
                "the vendor's compliance expired on %s.", vendor.ap_compliance_expiry
            )
        return ""

    def _ap_subcontract_compliance_problems(self, company, day):
        """Why this subcontractor's documents on file do not cover ``day``: its
        compliance date on the vendor, and an insurance certificate valid then."""
        self.ensure_one()
        vendor = self.commercial_partner_id
        problems = []
        if vendor.ap_compliance_expiry and vendor.ap_compliance_expiry < day:
            problems.append(
                _("the vendor's compliance expired on %s", vendor.ap_compliance_expiry)
            )
        # sudo: whoever certifies or pays reads whether a certificate is on file,
        # not the document itself
        documents = self.env["ap.subcontract.compliance"].sudo()
        if not documents._valid_on(vendor, company, "insurance", day):
            problems.append(
                _("no insurance certificate of %(vendor)s valid on %(day)s")
                % {"vendor": vendor.name, "day": day}
            )
        return problems
