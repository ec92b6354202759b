# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models


class ApHeldBillReconciliation(models.AbstractModel):
    """Vendor bills on hold past their SLA: an exception of the bill is still open
    after its deadline, so the vendor waits for a payment nobody is working on.
    Fix: an activity for the company's project finance owner (else the one running
    the check) to settle or release the bill."""

    _name = "ap.held.bill.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Bills on Hold Past Their SLA"

    @api.model
    def _reconcile(self, check, company):
        self.env.cr.execute(
            """
            SELECT bill.id, coalesce(bill.ref, bill.name, ''), vendor.name,
                   bill.amount_total, MIN(exc.deadline),
                   string_agg(DISTINCT exc.reason_code, ', ')
              FROM account_move bill
              JOIN res_partner vendor ON vendor.id = bill.partner_id
              JOIN integration_exception exc
                ON exc.res_model = 'account.move' AND exc.res_id = bill.id
               AND exc.state IN ('open', 'in_progress')
               AND exc.deadline < %s
             WHERE bill.company_id = %s
               AND bill.move_type IN ('in_invoice', 'in_refund')
               AND bill.state = 'draft'
               AND bill.ap_on_hold
             GROUP BY bill.id, vendor.name
             ORDER BY MIN(exc.deadline)
            """,
            [fields.Datetime.now(), company.id],
        )
        return [
            {
                "reference": reference,
                "message": _(
                    "%(bill)s of %(vendor)s (%(amount)s) has been on hold past its "
                    "deadline of %(deadline)s: %(reasons)s.",
                    bill=reference,
                    vendor=vendor,
                    amount=company.currency_id.format(amount),
                    deadline=deadline,
                    reasons=reasons,
                ),
                "res_model": "account.move",
                "res_id": bill_id,
                "expected": 0,
                "actual": amount,
                "fixable": True,
            }
            for bill_id, reference, vendor, amount, deadline, reasons in (
                self.env.cr.fetchall()
            )
        ]

    @api.model
    def _fix(self, drift_lines):
        bills = self.env["account.move"].browse(drift_lines.mapped("res_id")).exists()
        for bill in bills:
            owner = bill.company_id.ap_finance_user_id or self.env.user
            if bill.activity_ids.filtered(
                lambda a, owner=owner: (
                    a.user_id == owner
                    and a.summary
                    and a.summary.startswith(_("Past SLA"))
                )
            ):
                continue  # asked already
            bill.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Past SLA: settle or release %s") % bill.display_name,
                user_id=owner.id,
            )
