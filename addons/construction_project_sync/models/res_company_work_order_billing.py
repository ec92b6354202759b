# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    work_order_billing_days = fields.Integer(
        string="Work Orders Unbilled After (days)",
        default=7,
        help="A completed, billable work order not on an invoice this many days "
        "after its completion is listed by the reconciliation check "
        "'Completed work orders not invoiced'.",
    )
    work_order_labour_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="Bills the hours of time-and-materials work orders; empty: the "
        "shipped 'Field Labour' product.",
    )
    work_order_fixed_price_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        help="Bills fixed-price work orders; empty: the shipped 'Work Order "
        "(Fixed Price)' product.",
    )

    def _work_order_labour_product(self):
        self.ensure_one()
        return self.work_order_labour_product_id or self.env.ref(
            "construction_project_sync.product_work_order_labour"
        )

    def _work_order_fixed_price_product(self):
        self.ensure_one()
        return self.work_order_fixed_price_product_id or self.env.ref(
            "construction_project_sync.product_work_order_fixed_price"
        )
