# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import _, api, fields, models


class ConstructionWorkOrderBillingReconciliation(models.AbstractModel):
    """Completed, billable work orders the customer has not been invoiced for,
    N days (the company's setting) after completion: not signed for, or signed
    but on no invoice. Jobs billed by a schedule of values are left to their pay
    applications."""

    _name = "construction.work.order.billing.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Completed Work Orders Not Invoiced"

    @api.model
    def _reconcile(self, check, company):
        cutoff = fields.Datetime.now() - timedelta(days=company.work_order_billing_days)
        # sudo: the check reports every work order of the company, whatever the
        # rights of the person or cron running it
        tasks = (
            self.env["project.task"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("is_work_order", "=", True),
                    ("work_order_billable", "=", True),
                    ("work_order_status", "=", "completed"),
                    ("work_order_status_time", "<=", cutoff),
                    ("project_id.sov_line_ids", "=", False),
                    "!",
                    (
                        "work_order_confirmation_ids.state",
                        "in",
                        ["draft", "invoiced", "pay_application"],
                    ),
                ]
            )
        )
        drift = []
        for task in tasks:
            confirmation = task.work_order_confirmation_ids
            if confirmation:
                message = _(
                    "Completed on %(when)s and signed by %(signer)s, but on no "
                    "invoice: add it to an invoice draft (Work Orders to Bill).",
                    when=task.work_order_status_time,
                    signer=confirmation.signer_name,
                )
            else:
                message = _(
                    "Completed on %(when)s, billable, but the customer's signed "
                    "confirmation never arrived: ask the field for it.",
                    when=task.work_order_status_time,
                )
            drift.append(
                {
                    "reference": task.display_name,
                    "message": message,
                    "res_model": "project.task",
                    "res_id": task.id,
                    "expected": 1.0,
                    "actual": 0.0,
                }
            )
        return drift
