# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import _, fields, models

BILLING_KINDS = [
    ("progress", "Progress Billing"),
    ("retention_release", "Retention Release"),
    ("service", "Work Order Service"),
]


class AccountMove(models.Model):
    """A job's billing moves: posted only into open periods, and a withdrawn
    progress invoice gives its pay application back."""

    _inherit = "account.move"

    construction_job_id = fields.Many2one(
        "project.project",
        readonly=True,
        index=True,
        copy=False,
    )
    construction_pay_application_id = fields.Many2one(
        "construction.pay.application",
        string="Pay Application",
        readonly=True,
        copy=False,
    )
    construction_billing_kind = fields.Selection(
        BILLING_KINDS, string="Construction Billing", readonly=True, copy=False
    )

    def _reverse_moves(self, default_values_list=None, cancel=False):
        # a reversal belongs to the same job and billing, so that once posted it
        # takes back the retention its original withheld or released
        default_values_list = default_values_list or [{} for _move in self]
        for move, default_values in zip(self, default_values_list, strict=True):
            if move.construction_billing_kind:
                default_values.update(
                    {
                        "construction_job_id": move.construction_job_id.id,
                        "construction_billing_kind": move.construction_billing_kind,
                        "construction_pay_application_id": (
                            move.construction_pay_application_id.id
                        ),
                    }
                )
        return super()._reverse_moves(default_values_list, cancel=cancel)

    def _post(self, soft=True):
        recognition = self.filtered(
            lambda m: m.construction_wip_schedule_id and m.state == "draft"
        )
        # the suite's one posting check: a WIP recognition entry for itself and
        # the reversal it brings on the first day of the next period
        freeze = self.env["integration.freeze"]
        for move in recognition:
            dates = [move.date]
            if not move.reversed_entry_id:
                dates.append(move.date + timedelta(days=1))
            freeze._check_posting(move.company_id, dates)
        posted = super()._post(soft=soft)
        billing = posted.filtered("construction_billing_kind")
        # billing moves on the date Odoo gave them
        for move in billing:
            freeze._check_posting(move.company_id, [move.date])
        billing.reversed_entry_id._construction_withdraw_invoice()
        posted._work_order_emit("customer_invoice.posted")
        originals = (recognition & posted).filtered(lambda m: not m.reversed_entry_id)
        if originals:
            reversals = originals._reverse_moves(
                [
                    {
                        "date": move.date + timedelta(days=1),
                        "ref": _("Reversal of %s", move.ref),
                        "construction_wip_schedule_id": (
                            move.construction_wip_schedule_id.id
                        ),
                        "construction_wip_line_id": move.construction_wip_line_id.id,
                    }
                    for move in originals
                ]
            )
            reversals._post(soft=False)
        return posted

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") == "cancel":
            self._construction_withdraw_invoice()
        return result

    def unlink(self):
        self._construction_withdraw_invoice()
        return super().unlink()

    def _construction_withdraw_invoice(self):
        """Progress invoices cancelled, reversed or deleted: their pay applications
        are approved again and no longer invoiced."""
        invoices = self.filtered(lambda m: m.construction_billing_kind == "progress")
        if not invoices:
            return
        # sudo: whoever withdraws the invoice (accounting), the application it
        # billed follows it
        apps = (
            self.env["construction.pay.application"]
            .sudo()
            .search([("invoice_id", "in", invoices.ids), ("state", "=", "invoiced")])
        )
        for app in apps:
            app._return_to_approved(app.invoice_id)

    # Service invoices of work orders: the field platform hears when Odoo posts one
    # and when the customer pays it (changes made in Odoo only: the platform never
    # posts or pays).
    work_order_billing_period = fields.Date(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The month (its first day) whose signed work order confirmations "
        "this invoice bills, for its customer.",
    )

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
        external_ids = self.env["integration.mapping"]._external_ids(
            tasks, active_systems_only=True
        )
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
                    "external_ids": external_ids[task.id],
                }
                for task in tasks
            ],
        }

    construction_wip_schedule_id = fields.Many2one(
        "construction.wip.schedule",
        string="WIP Schedule",
        readonly=True,
        index="btree_not_null",
        copy=False,
    )
    construction_wip_line_id = fields.Many2one(
        "construction.wip.schedule.line",
        string="WIP Schedule Line",
        readonly=True,
        index="btree_not_null",
        copy=False,
    )
