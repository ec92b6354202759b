# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models
from odoo.osv import expression
from odoo.tools import format_amount

from .account_move_line import REASONS


class IntegrationSummary(models.AbstractModel):
    """A bill on hold is said as AP says it: how many bills, for which reason, for
    how much."""

    _inherit = "integration.summary"

    @api.model
    def _scope_domain(self, scope, model_name):
        # a bill coded to several jobs is filed under one of them; what holds it
        # concerns each job it codes
        domain = super()._scope_domain(scope, model_name)
        if model_name != "integration.exception" or scope._name != "project.project":
            return domain
        accounts = scope.account_id.ids
        if not accounts:
            return domain
        bills = (
            self.env["account.move.line"]
            .search(
                [
                    ("analytic_distribution", "in", accounts),
                    ("move_id.move_type", "in", ("in_invoice", "in_refund")),
                ]
            )
            .move_id
        )
        if not bills:
            return domain
        return expression.OR([domain, [("ap_bill_id", "in", bills.ids)]])

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
