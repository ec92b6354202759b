# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

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
    "ap_cost_type_ids",
)

# what identifies a vendor to its policy (its twins by tax id, its commercial
# entity): on a vendor carrying a restriction only an AP manager changes them, or a
# block could be shed by retyping the tax id or hanging the vendor under another
# company
IDENTITY_FIELDS = ("vat", "parent_id", "is_company")


def _normalised_vat(alias):
    """A partner's tax id as registries print it: no separators, no country
    prefix (``BE 0477.472.701`` and ``0477472701`` are one vendor)."""
    return SQL(
        "regexp_replace(regexp_replace(upper(%s), '[^A-Z0-9]', '', 'g'), "
        "'^[A-Z]{2}(?=[0-9])', '')",
        SQL.identifier(alias, "vat"),
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
        if controls or (
            set(IDENTITY_FIELDS) & set(vals) and self._ap_restricted_vendors()
        ):
            self._ap_check_vendor_control()
        result = super().write(vals)
        if controls:
            # the vendor's bills waiting for posting are judged again
            twins = self._ap_policy_twins().values()
            self.env["account.move"]._ap_rematch_vendors(
                self.browse({twin.id for records in twins for twin in records})
            )
        return result

    def _ap_restricted_vendors(self):
        """These partners where they carry a restriction of the vendor policy."""
        return self.filtered(
            lambda partner: (
                partner.ap_vendor_on_hold
                or partner.ap_purchase_blocked
                or partner.ap_compliance_expiry
                or partner.ap_cost_type_ids
            )
        )

    def _ap_check_vendor_control(self):
        if not self.env.su and not self.env.user.has_group(AP_MANAGER):
            raise UserError(
                _(
                    "Only an AP manager puts a vendor on hold, blocks or unblocks it "
                    "for purchasing, changes its compliance date, approved cost "
                    "types or match tolerances, or changes the tax id or company of "
                    "a vendor that carries such a restriction."
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

    ap_cost_type_ids = fields.Many2many(
        "ap.cost.type",
        string="Approved For",
        help="The cost types this vendor is approved to supply (material, "
        "subcontract...); no order of another cost type is made to it. Empty: "
        "approved for every cost type.",
    )

    def _ap_policy_twins(self):
        """{commercial entity: the vendor records the policy reads for it}: itself
        and every other commercial entity with the same tax id, archived ones
        included, so that a second record made for a blocked, held or expired
        vendor carries its blocks (archiving the blocked one sheds nothing).

        sudo: a twin may belong to a company the user does not see; only its
        policy flags are read, on Odoo's own paths."""
        vendors = self.commercial_partner_id
        twins = {vendor: vendor.sudo() for vendor in vendors}
        if not vendors:
            return twins
        Partner = self.env["res.partner"].sudo()
        Partner.flush_model(["vat", "commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """SELECT twin.id, mine.id
                     FROM res_partner mine
                     JOIN res_partner twin
                       ON %(twin_vat)s = %(mine_vat)s AND twin.id != mine.id
                    WHERE mine.id IN %(ids)s AND %(mine_vat)s != ''
                      AND twin.commercial_partner_id = twin.id""",
                twin_vat=_normalised_vat("twin"),
                mine_vat=_normalised_vat("mine"),
                ids=tuple(vendors.ids),
            )
        )
        found = defaultdict(list)
        for twin_id, vendor_id in self.env.cr.fetchall():
            found[vendor_id].append(twin_id)
        for vendor in vendors:
            if found[vendor.id]:
                twins[vendor] |= Partner.browse(found[vendor.id])
        return twins

    def _ap_held_vendors(self):
        """These partners' commercial entities on hold (themselves or a twin)."""
        return self.browse(
            [
                vendor.id
                for vendor, twins in self._ap_policy_twins().items()
                if any(twins.mapped("ap_vendor_on_hold"))
            ]
        )

    def _ap_compliance_expiry(self, twins=None):
        """The earliest compliance date of the vendor and its ``twins`` (found if
        not given), or None."""
        self.ensure_one()
        if twins is None:
            twins = self._ap_policy_twins()[self.commercial_partner_id]
        return min(filter(None, twins.mapped("ap_compliance_expiry")), default=None)

    def _ap_purchase_problem(self, date_needed=None, cost_types=()):
        """Why no order for ``cost_types`` (cost type codes), needed on
        ``date_needed``, may be made to this vendor, or an empty string."""
        self.ensure_one()
        twins = self._ap_policy_twins()[self.commercial_partner_id]
        if any(twins.mapped("ap_purchase_blocked")):
            return _("the vendor is blocked for purchasing.")
        day = date_needed or fields.Date.context_today(self)
        expiry = self._ap_compliance_expiry(twins)
        if expiry and expiry < day:
            return _("the vendor's compliance expired on %s.", expiry)
        for twin in twins.filtered("ap_cost_type_ids"):
            approved = set(twin.ap_cost_type_ids.mapped("code"))
            refused = sorted(set(cost_types) - approved)
            if refused:
                labels = dict(self.env["ap.cost.type"]._fields["code"].selection)
                return _(
                    "the vendor is not approved for %(types)s (only for %(approved)s).",
                    types=", ".join(labels[code].lower() for code in refused),
                    approved=", ".join(
                        twin.ap_cost_type_ids.mapped(lambda t: t.name.lower())
                    ),
                )
        return ""

    def _ap_subcontract_compliance_problems(self, company, day):
        """Why this subcontractor's documents on file do not cover ``day``: its
        compliance date on the vendor, and an insurance certificate valid then."""
        self.ensure_one()
        vendor = self.commercial_partner_id
        problems = []
        expiry = self._ap_compliance_expiry()
        if expiry and expiry < day:
            problems.append(_("the vendor's compliance expired on %s", expiry))
        # sudo: whoever certifies or pays reads whether a certificate is on file,
        # not the document itself
        documents = self.env["ap.subcontract.compliance"].sudo()
        if not documents._valid_on(vendor, company, "insurance", day):
            problems.append(
                _("no insurance certificate of %(vendor)s valid on %(day)s")
                % {"vendor": vendor.name, "day": day}
            )
        return problems
