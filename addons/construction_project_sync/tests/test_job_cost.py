from odoo.tests import tagged

from ..models.construction_common import JOB_COST_FIGURES as FIGURES
from .common import JobCase


@tagged("post_install", "-at_install")
class TestJobCost(JobCase):
    def assertFigures(self, row, expected):
        self.assertEqual(
            {name: row[name] for name in FIGURES},
            dict(zip(FIGURES, expected, strict=True)),
        )

    def test_worked_example(self):
        """Checked by hand:

        concrete (material): v1 1,000 → v2 1,200; CO-1 approved +300; a draft CO of
        +999 never counts; a confirmed PO of 10 × 50 not billed: committed 500; a
        posted cost of 200. Revised 1,500; remaining 1,500 − 500 − 200 = 800;
        projected 200 + 500 + 800 = 1,500; variance 0.
        placing (labor): 500 in both versions; CO-2 pending +100 (shown, not counted);
        150 of field time. Remaining 350; projected 500; variance 0.
        """
        v1 = self.budget([(self.concrete, 1000), (self.labor, 500)])
        self.budget([(self.concrete, 1200), (self.labor, 500)])
        self.assertEqual(v1.state, "superseded")
        self.change_order("CO-1", [(self.concrete, 300, 400)])
        self.change_order("CO-2", [(self.labor, 100, 120)], state="pending")
        self.change_order("CO-3", [(self.concrete, 999, 999)], state="draft")
        product = self.env["product.product"].create(
            {"name": "Ready-mix", "type": "consu"}
        )
        po = self.env["purchase.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_qty": 10,
                            "price_unit": 50,
                            "analytic_distribution": self.job._analytic_distribution(
                                self.concrete
                            ),
                        },
                    )
                ],
            }
        )
        po.button_confirm()
        self.actual(self.concrete, 200)
        employee = self.env["hr.employee"].create({"name": "Placer"})
        self.actual(self.labor, 150, employee_id=employee.id)

        rows = self.job_cost()
        self.assertEqual(
            set(rows), {(self.concrete, "material"), (self.labor, "labor")}
        )
        self.assertFigures(
            rows[self.concrete, "material"],
            (1000, 1200, 300, 1500, 0, 500, 200, 800, 1500, 0),
        )
        self.assertFigures(
            rows[self.labor, "labor"], (500, 500, 0, 500, 100, 0, 150, 350, 500, 0)
        )
        # the job's contract moved with the approved owner change only
        self.assertEqual(self.job.revised_contract_value, 100400)

        # an overrun: 2,000 more actual cost on concrete
        self.actual(self.concrete, 2000)
        row = self.job_cost()[self.concrete, "material"]
        self.assertEqual((row.actual, row.remaining), (2200, -1200))
        self.assertEqual((row.projected, row.variance), (2700, -1200))

    def test_unapproved_budget_counts_nothing_and_uncoded_cost_shows(self):
        self.budget([(self.concrete, 1000)], approve=False)
        self.env["account.analytic.line"].create(
            {"name": "no code", "account_id": self.job.account_id.id, "amount": -75}
        )
        rows = self.job_cost()
        self.assertNotIn((self.concrete, "material"), rows)
        uncoded = rows[self.env["construction.cost.code"], "other"]
        self.assertEqual((uncoded.actual, uncoded.revised_budget), (75, 0))

    def test_billed_purchase_is_no_longer_committed(self):
        product = self.env["product.product"].create(
            {"name": "Rebar", "type": "service", "purchase_method": "purchase"}
        )
        po = self.env["purchase.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_qty": 4,
                            "price_unit": 100,
                            "analytic_distribution": self.job._analytic_distribution(
                                self.concrete
                            ),
                        },
                    )
                ],
            }
        )
        po.button_confirm()
        self.assertEqual(self.job_cost()[self.concrete, "material"].committed, 400)
        po.action_create_invoice()
        bill = po.invoice_ids
        bill.invoice_date = bill.date = "2026-11-02"
        bill.action_post()
        row = self.job_cost()[self.concrete, "material"]
        # billed: no longer committed, now actual (the bill's analytic line)
        self.assertEqual((row.committed, row.actual), (0, 400))

    def test_revenue_on_the_job_account_is_no_cost(self):
        """A progress billing invoice carries the job's analytic account; its income
        must not show as negative cost."""
        self.actual(self.concrete, 300)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-11-02",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Progress billing #1",
                            "quantity": 1,
                            "price_unit": 50000,
                            "tax_ids": [(5, 0, 0)],
                            "analytic_distribution": {str(self.job.account_id.id): 100},
                        },
                    )
                ],
            }
        )
        invoice.action_post()
        revenue_lines = self.env["account.analytic.line"].search(
            [("move_line_id.move_id", "=", invoice.id)]
        )
        self.assertEqual(revenue_lines.amount, 50000, "the revenue reached the job")
        rows = self.job_cost()
        self.assertEqual(sum(row.actual for row in rows.values()), 300)
