# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Service invoices of work orders: the field platform hears when Odoo posts one
and when the customer pays it (changes made in Odoo only: the platform never
posts or pays)."""

from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    construction_billing_kind = fields.Selection(
        selection_add=[("service", "Work Order Service")],
        ondelete={"service": "set null"},
    )
    work_order_billing_period = fields.Date(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The month (its first day) whose signed work order confirmations "
        "this invoice bills, for its customer.",
    )

    def _post(self, soft=True):
        # the construction billing kinds go through the suite's posting check there
        posted = super()._post(soft=soft)
        posted._work_order_emit("customer_invoice.posted")
        return posted

    def _invoice_paid_hook(self):
        # Odoo calls it when invoices become paid (or in payment)
        result = super()._invoice_paid_hook()
        self._work_order_emit("customer_invoice.paid")
        return result

    def _work_order_emit(self, event_type):
        invoices = self.filtered(
            lambda m: (
                m.construction_billing_kind == "service"
                and m.move_type in ("out_invoice", "out_refund")
            )
        )
        outbox = self.env["integration.outbox"]
        for invoice in invoices:
            outbox._emit(
                event_type,
                invoice,
                invoice._work_order_event_data(),
                company=invoice.company_id,
            )

    def _work_order_event_data(self):
        """The invoice as the field platform reads it: its work orders by the
        platform's own ids, the amounts and the payment state."""
        self.ensure_one()
        # sudo: whoever posts or registers the payment may not read project
        # tasks; only the billed work orders' names and ids go into the event
        tasks = self.sudo().invoice_line_ids.work_order_confirmation_id.task_id
        mapping = self.env["integration.mapping"]
        # sudo: the person posting may not read systems (they hold secrets); only
        # their codes and the work orders' ids for them go into the event
        systems = self.env["integration.system"].sudo().search([])
        payments = self.sudo()._get_reconciled_payments()
        return {
            "invoice_id": self.id,
            "number": self.name,
            "customer": self.commercial_partner_id.name,
            "invoice_date": self.invoice_date,
            "currency": self.currency_id.name,
            "amount_untaxed": self.amount_untaxed,
            "amount_total": self.amount_total,
            "amount_residual": self.amount_residual,
            "payment_state": self.payment_state,
            "payment_date": max(payments.mapped("date"), default=None),
            "work_orders": [
                {
                    "name": task.name,
                    "job_number": task.project_id.job_number or None,
                    "external_ids": {
                        system.code: ext
                        for system in systems
                        if (ext := mapping._external_id(system, task))
                    },
                }
                for task in tasks
            ],
        }
