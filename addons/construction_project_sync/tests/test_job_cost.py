from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from ..models.construction_common import JOB_COST_FIGURES as FIGURES
from .common import JobCase


@tagged("post_install", "-at_install")
class TestJobCost(JobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.expense = cls.expense_account()
        cls.service = cls.env["product.product"].create(
            {"name": "Formwork hire", "type": "service", "purchase_method": "purchase"}
        )
        cls.goods = cls.env["product.product"].create(
            {"name": "Ready-mix", "type": "consu", "purchase_method": "receive"}
        )

    def assertFigures(self, row, expected):
        self.assertEqual(
            {name: row[name] for name in FIGURES},
            dict(zip(FIGURES, expected, strict=True)),
        )

    def purchase(self, product, qty, price, cost_code=None, confirm=True, **vals):
        distribution = (
            self.job._analytic_distribution(cost_code)
            if cost_code
            else {str(self.job.account_id.id): 100}
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
                            "product_qty": qty,
                            "price_unit": price,
                            "analytic_distribution": distribution,
                        },
                    )
                ],
                **vals,
            }
        )
        if confirm:
            po.button_confirm()
        return po

    def bill(self, po):
        po.action_create_invoice()
        bill = po.invoice_ids
        bill.invoice_date = bill.date = "2026-11-02"
        bill.invoice_line_ids.account_id = self.expense
        return bill

    def test_worked_example(self):
        """Checked by hand:

        concrete (material): v1 1,000 → v2 1,200; CO-1 approved +300; a draft CO of
        +999 never counts; a confirmed PO of 10 × 50 not billed: committed 500; a
        posted cost of 200. Revised 1,500; remaining 1,500 − 500 − 200 = 800;
        projected 200 + 500 + 800 = 1,500; variance 0.
        placing (labor): 500 in both versions; CO-2 pending +100 (shown, not counted);
        5 h of approved field time at 30 = 150. Remaining 350; projected 500.
        """
        v1 = self.budget([(self.concrete, 1000), (self.labor, 500)])
        self.budget([(self.concrete, 1200), (self.labor, 500)])
        self.assertEqual(v1.state, "superseded")
        self.change_order("CO-1", [(self.concrete, 300, 400)])
        self.change_order("CO-2", [(self.labor, 100, 120)], state="pending")
        self.change_order("CO-3", [(self.concrete, 999, 999)], state="draft")
        self.purchase(self.goods, 10, 50, self.concrete)
        self.actual(self.concrete, 200)
        self.posted_field_time(self.labor, 5, 30)

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
        self.actual(None, 75)
        rows = self.job_cost()
        self.assertNotIn((self.concrete, "material"), rows)
        uncoded = rows[self.env["construction.cost.code"], "other"]
        self.assertEqual((uncoded.actual, uncoded.revised_budget), (75, 0))

    def test_draft_bill_leaves_committed_posted_bill_moves_it_to_actual(self):
        po = self.purchase(self.service, 4, 100, self.concrete)
        self.assertEqual(self.job_cost()[self.concrete, "material"].committed, 400)
        bill = self.bill(po)
        # a draft bill: still committed, nothing actual yet, no cost disappears
        row = self.job_cost()[self.concrete, "material"]
        self.assertEqual((row.committed, row.actual), (400, 0))
        bill.action_post()
        row = self.job_cost()[self.concrete, "material"]
        self.assertEqual((row.committed, row.actual), (0, 400))
        # a cancelled bill gives the commitment back
        bill.button_draft()
        bill.button_cancel()
        row = self.job_cost()[self.concrete, "material"]
        self.assertEqual((row.committed, row.actual), (400, 0))

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

    def test_balance_sheet_line_on_the_job_is_no_cost(self):
        asset = self.env["account.account"].search(
            [
                *self.env["account.account"]._check_company_domain(self.env.company),
                ("account_type", "=", "asset_current"),
            ],
            limit=1,
        )
        self.actual(self.concrete, 300)
        self.actual(self.concrete, 5000, account=asset)
        self.assertEqual(self.job_cost()[self.concrete, "material"].actual, 300)

    def test_timesheet_is_no_cost_unless_from_posted_field_time(self):
        employee = self.env["hr.employee"].create(
            {"name": "Moonlighter", "hourly_cost": 50}
        )
        timesheet = self.env["account.analytic.line"].create(
            {
                "name": "my own hours",
                "project_id": self.job.id,
                "employee_id": employee.id,
                "unit_amount": 10,
                self.cc_column: self.labor.analytic_account_id.id,
            }
        )
        self.assertEqual(timesheet.amount, -500)
        self.assertNotIn((self.labor, "labor"), self.job_cost())
        self.posted_field_time(self.labor, 2, 40)
        self.assertEqual(self.job_cost()[self.labor, "labor"].actual, 80)

    def test_commitment_without_cost_code_has_its_own_row_and_a_stable_id(self):
        self.purchase(self.service, 2, 150)
        self.purchase(self.service, 1, 70, is_subcontract=True)
        rows = self.job_cost()
        uncoded = rows[self.env["construction.cost.code"], "other"]
        subcontract = rows[self.env["construction.cost.code"], "subcontract"]
        self.assertEqual((uncoded.committed, subcontract.committed), (300, 70))
        self.assertTrue(uncoded.id and subcontract.id)
        self.assertNotEqual(uncoded.id, subcontract.id)
        self.assertEqual(
            self.job_cost()[self.env["construction.cost.code"], "other"].id, uncoded.id
        )

    def test_locked_and_closed_out_orders_commit_only_what_will_be_billed(self):
        # 10 delivered of 30 ordered, on received quantities
        po = self.purchase(self.goods, 30, 10, self.concrete)
        po.order_line.qty_received = 10
        self.assertEqual(self.job_cost()[self.concrete, "material"].committed, 300)
        # a person locks it: Odoo bills only what was received
        po.button_done()
        self.assertEqual(self.job_cost()[self.concrete, "material"].committed, 100)
        po.button_unlock()
        # a service billed on ordered quantities, closed out after 1 of 5 billed
        service_po = self.purchase(self.service, 5, 100, self.concrete)
        bill = self.bill(service_po)
        bill.invoice_line_ids.quantity = 1
        bill.action_post()
        self.assertEqual(self.job_cost()[self.concrete, "material"].committed, 700)
        purchaser = new_test_user(
            self.env,
            "jc_purchaser",
            groups="base.group_user,purchase.group_purchase_user",
        )
        service_po.with_user(purchaser).action_construction_close_out()
        self.assertEqual(service_po.state, "done")
        row = self.job_cost()[self.concrete, "material"]
        self.assertEqual((row.committed, row.actual), (300, 100))
        # reopening is a purchase manager's: the purchaser's RPC write is refused
        with self.assertRaisesRegex(UserError, "purchase manager"):
            service_po.with_user(purchaser).write({"construction_closed_out": False})
        # setting the flag by RPC is a real close-out, and only of a confirmed order
        po.with_user(purchaser).write({"construction_closed_out": True})
        self.assertEqual(po.state, "done")
        self.assertEqual(self.job_cost()[self.concrete, "material"].committed, 100)
        draft = self.purchase(self.goods, 1, 1, self.concrete, confirm=False)
        with self.assertRaisesRegex(UserError, "not confirmed"):
            draft.with_user(purchaser).write({"construction_closed_out": True})

    def test_orders_locked_at_confirmation_stay_committed(self):
        self.env.company.po_lock = "lock"
        po = self.purchase(self.goods, 3, 100, self.concrete)
        self.assertEqual(po.state, "done")
        self.assertEqual(self.job_cost()[self.concrete, "material"].committed, 300)

    def test_foreign_currency_purchase_is_converted_at_the_order_rate(self):
        company = self.env.company
        foreign = self.env.ref(
            "base.EUR" if company.currency_id.name != "EUR" else "base.USD"
        )
        foreign.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": foreign.id,
                "company_id": company.id,
                "name": "2026-01-01",
                "rate": 0.8,
            }
        )
        po = self.purchase(
            self.service,
            1,
            800,
            self.concrete,
            currency_id=foreign.id,
            date_order="2026-11-02 10:00:00",
        )
        self.assertEqual(po.currency_rate, 0.8)
        # 800 in the foreign currency is 1,000 in the company's
        self.assertEqual(self.job_cost()[self.concrete, "material"].committed, 1000)

    def test_rebaseline_absorbs_earlier_changes(self):
        """v1 1,000 + CO-1 300 = 1,300; v2 is approved at 1,300 (it absorbs CO-1),
        then CO-2 adds 50: revised 1,350, not 1,650."""
        self.budget([(self.concrete, 1000)])
        co1 = self.change_order("CO-1", [(self.concrete, 300, 300)])
        self.assertEqual(
            self.job_cost()[self.concrete, "material"].revised_budget, 1300
        )
        # approvals a day apart (tests run in one second); the transitions' own
        # write, as approving would
        co1._approval_write({"approved_at": "2026-11-01 10:00:00"})
        v2 = self.budget([(self.concrete, 1300)])
        v2._approval_write({"approved_at": "2026-11-02 10:00:00"})
        row = self.job_cost()[self.concrete, "material"]
        self.assertEqual(
            (
                row.original_budget,
                row.current_budget,
                row.approved_changes,
                row.revised_budget,
            ),
            (1000, 1300, 300, 1300),
        )
        co2 = self.change_order("CO-2", [(self.concrete, 50, 50)])
        co2._approval_write({"approved_at": "2026-11-03 10:00:00"})
        row = self.job_cost()[self.concrete, "material"]
        self.assertEqual((row.approved_changes, row.revised_budget), (350, 1350))
