# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class IntegrationException(models.Model):
    _inherit = "integration.exception"

    ap_bill_id = fields.Many2one(
        "account.move",
        string="Vendor Bill",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
        help="The bill whose three-way match raised this exception.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(vals.get("ap_bill_id") for vals in vals_list):
            raise UserError(_("Match exceptions are raised by the match only."))
        return super().create(vals_list)

    def write(self, vals):
        # the match routes its exceptions (as the superuser): nobody re-points one
        # at another bill, or away from its bill, to empty a worklist
        if "ap_bill_id" in vals and not self.env.su:
            raise UserError(
                _("The bill of a match exception is set by the match only.")
            )
        return super().write(vals)
