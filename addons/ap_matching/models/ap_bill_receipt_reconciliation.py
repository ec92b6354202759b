# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ApBillReceiptReconciliation(models.AbstractModel):
    """Bills against receipts, per purchase order: posted bills (net of credit
    notes) billing more of a product billed on received quantities than arrived,
    paid or payable for goods not on site (a release, an accepted variance or a
    receipt reversed after posting). Fix: ask the buyer to get the goods received
    or a credit note from the vendor."""

    _name = "ap.bill.receipt.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Bills vs Receipts"

    @api.model
    def _reconcile(self, check, company):
        self.env.cr.execute(
            """
            SELECT po.id, po.name, vendor.name,
                   SUM(pol.qty_received * pol.price_unit),
                   SUM(billed.qty * pol.price_unit)
              FROM purchase_order_line pol
              JOIN purchase_order po ON po.id = pol.order_id
              JOIN res_partner vendor ON vendor.id = po.partner_id
              JOIN product_product product ON product.id = pol.product_id
              JOIN product_template template
                ON template.id = product.product_tmpl_id
               AND template.purchase_method = 'receive'
              JOIN LATERAL (
                   SELECT SUM(CASE WHEN bill.move_type = 'in_refund' THEN -1
                                   ELSE 1 END * aml.quantity) AS qty
                     FROM account_move_line aml
                     JOIN account_move bill
                       ON bill.id = aml.move_id AND bill.state = 'posted'
                      AND bill.move_type IN ('in_invoice', 'in_refund')
                    WHERE aml.purchase_line_id = pol.id
                   ) billed ON billed.qty IS NOT NULL
             WHERE po.company_id = %s
               AND po.state IN ('purchase', 'done')
               AND billed.qty > pol.qty_received
             GROUP BY po.id, po.name, vendor.name
             ORDER BY po.name
            """,
            [company.id],
        )
        return [
            {
                "reference": name,
                "message": _(
                    "%(order)s from %(vendor)s: %(billed)s billed on posted bills, "
                    "%(received)s received.",
                    order=name,
                    vendor=vendor,
                    billed=company.currency_id.format(billed),
                    received=company.currency_id.format(received),
                ),
                "res_model": "purchase.order",
                "res_id": order_id,
                "expected": received,
                "actual": billed,
                "fixable": True,
            }
            for order_id, name, vendor, received, billed in self.env.cr.fetchall()
        ]

    @api.model
    def _fix(self, drift_lines):
        """Ask each order's buyer to have the goods received or get a credit note."""
        orders = self.env["purchase.order"].browse(drift_lines.mapped("res_id"))
        for order in orders.exists():
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_(
                    "Billed beyond what was received: confirm the receipt or ask "
                    "%s for a credit note"
                )
                % order.partner_id.name,
                user_id=(order.user_id or self.env.user).id,
            )
