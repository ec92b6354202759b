# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ApSubcontractRetentionReconciliation(models.AbstractModel):
    """Retention of each subcontract: what its certified pay applications withheld
    on posted bills, less what release bills released, against the retention lines
    on the retention payable account. A drift is a retention line changed or
    removed on a bill, or more released than was withheld. Fix: an activity for the
    company's project finance owner to correct the bill or the release."""

    _name = "ap.subcontract.retention.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Subcontract Retention Held vs Released"

    @api.model
    def _reconcile(self, check, company):
        orders = self.env["purchase.order"].search(
            [
                ("company_id", "=", company.id),
                ("is_subcontract", "=", True),
                ("ap_pay_app_ids", "!=", False),
            ]
        )
        drifts = []
        for order in orders:
            currency = order.currency_id
            certified = sum(
                order.ap_pay_app_ids.filtered(
                    lambda app: app.state == "billed" and app.bill_id.state == "posted"
                ).mapped("retention_this_period")
            )
            expected = certified - order.ap_retention_released
            held = order.ap_retention_held
            if currency.compare_amounts(expected, held) == 0 and (
                currency.compare_amounts(held, 0) >= 0
            ):
                continue
            drifts.append(
                {
                    "reference": order.name,
                    "message": _(
                        "%(order)s (%(vendor)s): certified pay applications withheld "
                        "%(certified)s, released %(released)s; the bills hold "
                        "%(held)s.",
                        order=order.name,
                        vendor=order.partner_id.name,
                        certified=currency.format(certified),
                        released=currency.format(order.ap_retention_released),
                        held=currency.format(held),
                    ),
                    "res_model": "purchase.order",
                    "res_id": order.id,
                    "expected": expected,
                    "actual": held,
                    "fixable": True,
                }
            )
        return drifts

    @api.model
    def _fix(self, drift_lines):
        orders = self.env["purchase.order"].browse(drift_lines.mapped("res_id"))
        for order in orders.exists():
            owner = order.company_id.ap_finance_user_id or self.env.user
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_(
                    "Retention held does not agree with the certified pay "
                    "applications: correct the bill or the release"
                ),
                user_id=owner.id,
            )
