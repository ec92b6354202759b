# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

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
