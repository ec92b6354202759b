# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models
from odoo.tools import format_amount

from .account_move_line import REASONS


class IntegrationSummary(models.AbstractModel):
    """A bill on hold is said as AP says it: how many bills, for which reason, for
    how much."""

    _inherit = "integration.summary"

    @api.model
    def _reason_sentence(self, reason_code, exceptions):
        bills = exceptions.ap_bill_id
        if reason_code not in dict(REASONS) or not bills:
            return super()._reason_sentence(reason_code, exceptions)
        labels = dict(
            self.env["account.move.line"]
            ._fields["ap_match_reason"]
            ._description_selection(self.env)
        )
        sentences = []
        for currency in bills.currency_id:
            held = bills.filtered(
                lambda b, currency=currency: b.currency_id == currency
            )
            sentences.append(
                _(
                    "%(count)s bill(s) on hold for %(reason)s, totalling %(amount)s: "
                    "%(bills)s.",
                    count=len(held),
                    reason=labels.get(reason_code, reason_code).lower(),
                    amount=format_amount(
                        self.env, sum(held.mapped("amount_total")), currency
                    ),
                    bills=self._named(
                        held.mapped(lambda b: b.ref or b.name or _("Draft bill"))
                    ),
                )
            )
        return sentences
