# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models


class ApUnbilledReceiptReconciliation(models.AbstractModel):
    """Purchase orders received but not billed: goods on site for longer than the
    company's grace days with no vendor bill for them, cost job cost shows as
    committed only and AP will meet late. Fix: ask the buyer to get the bill."""

    _name = "ap.unbilled.receipt.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Received, Not Billed"

    @api.model
    def _reconcile(self, check, company):
        # one pass: order lines with more received than billed, and when their
        # last receipt was done (stored fields, done moves)
        self.env.cr.execute(
            """
            SELECT po.id, po.name, vendor.name,
                   SUM(pol.qty_received * pol.price_unit),
                   SUM(pol.qty_invoiced * pol.price_unit),
                   MAX(received.last_done)
              FROM purchase_order_line pol
              JOIN purchase_order po ON po.id = pol.order_id
              JOIN res_partner vendor ON vendor.id = po.partner_id
              JOIN LATERAL (
                   SELECT MAX(sm.date) AS last_done
                     FROM stock_move sm
                    WHERE sm.purchase_line_id = pol.id AND sm.state = 'done'
                   ) received ON received.last_done IS NOT NULL
             WHERE po.company_id = %s
               AND po.state IN ('purchase', 'done')
               AND pol.qty_received > pol.qty_invoiced
             GROUP BY po.id, po.name, vendor.name
            HAVING MAX(received.last_done) < %s
             ORDER BY po.name
            """,
            [
                company.id,
                fields.Datetime.subtract(
                    fields.Datetime.now(), days=company.ap_unbilled_receipt_days
                ),
            ],
        )
        return [
            {
                "reference": name,
                "message": _(
                    "%(order)s from %(vendor)s: %(received)s received, %(billed)s "
                    "billed; last receipt on %(date)s.",
                    order=name,
                    vendor=vendor,
                    received=company.currency_id.format(received),
                    billed=company.currency_id.format(billed),
                    date=fields.Date.to_string(last_done.date()),
                ),
                "res_model": "purchase.order",
                "res_id": order_id,
                "expected": received,
                "actual": billed,
                "fixable": True,
            }
            for order_id, name, vendor, received, billed, last_done in (
                self.env.cr.fetchall()
            )
        ]

    @api.model
    def _fix(self, drift_lines):
        """Ask each order's buyer (or whoever runs the check) to get the bill."""
        orders = self.env["purchase.order"].browse(drift_lines.mapped("res_id"))
        for order in orders.exists():
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Received, not billed: ask %s for the bill")
                % order.partner_id.name,
                user_id=(order.user_id or self.env.user).id,
            )
