# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextvars

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# set while the running code adds confirmations to an invoice draft, in this thread
BILLING_CONFIRMATIONS = contextvars.ContextVar(
    "work_order_billing_confirmations", default=frozenset()
)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    construction_retention = fields.Boolean(
        readonly=True,
        help="Retention withheld (negative on the invoice) or released, on the "
        "retention receivable account; a reversal's line is one too.",
    )

    work_order_confirmation_id = fields.Many2one(
        "construction.work.order.confirmation",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The customer's signed confirmation this line bills.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # a line bills a confirmation only when billing adds it: linking one by
        # hand would mark the work order billed without billing it
        allowed = BILLING_CONFIRMATIONS.get()
        if any(
            vals.get("work_order_confirmation_id")
            and vals["work_order_confirmation_id"] not in allowed
            for vals in vals_list
        ):
            raise UserError(
                _("Work order lines are added by Create Invoice Drafts only.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if "work_order_confirmation_id" in vals:
            raise UserError(_("The work order an invoice line bills cannot change."))
        return super().write(vals)
