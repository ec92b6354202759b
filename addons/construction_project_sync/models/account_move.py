# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

BILLING_KINDS = [
    ("progress", "Progress Billing"),
    ("retention_release", "Retention Release"),
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
        posted = super()._post(soft=soft)
        billing = posted.filtered("construction_billing_kind")
        # the suite's one posting check, on the date Odoo gave the entry
        freeze = self.env["integration.freeze"]
        for move in billing:
            freeze._check_posting(move.company_id, [move.date])
        billing.reversed_entry_id._construction_withdraw_invoice()
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
