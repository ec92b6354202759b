from datetime import date, datetime

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.construction_project_sync.tests.common import (
    ensure_chart_of_accounts,
)

COORDINATOR = "base.group_user,equipment_costing.group_equipment_user"
APPROVER = "base.group_user,equipment_costing.group_equipment_manager"
NOV_1, NOV_15, NOV_30 = date(2026, 11, 1), date(2026, 11, 15), date(2026, 11, 30)


@tagged("post_install", "-at_install")
class TestRentalInvoice(TransactionCase):
    """A worked example checked by hand: the crane is rented at 3,000 a month
    (100 a day in November), on job A from 1 to 10 November and on job B from 11
    to 20 November. The vendor bills 2,850 for 1 to 15 November: 10 of the 15
    assigned days are A's (1,900), 5 are B's (950); 16 to 20 November are still
    accrued as rental days (5 × 100 on B)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        ensure_chart_of_accounts(cls.env, cls.company)

        def user(login, groups, company=cls.company):
            return new_test_user(
                cls.env,
                login,
                groups=groups,
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
            )

        cls.coordinator = user("ri_coordinator", COORDINATOR)
        cls.approver = user("ri_approver", APPROVER)
        Job = cls.env["project.project"]
        cls.job_a = Job.create(
            {"name": "Test Bridge", "is_job": True, "job_number": "T-RI-A"}
        )
        cls.job_b = Job.create(
            {"name": "Test Tower", "is_job": True, "job_number": "T-RI-B"}
        )
        cls.lifting = cls.env["construction.cost.code"].create(
            {"code": "T-RI-01", "name": "Lifting", "cost_type": "equipment"}
        )
        cls.vendor = cls.env["res.partner"].create({"name": "Test Crane Hire"})
        cls.crane = cls.env["maintenance.equipment"].create(
            {
                "name": "Test Crane",
                "ownership": "rented",
                "partner_id": cls.vendor.id,
                "rental_rate_basis": "month",
            }
        )
        cls.env["construction.equipment.rate"].create(
            {
                "equipment_id": cls.crane.id,
                "kind": "month",
                "amount": 3000,
                "date_from": date(2026, 1, 1),
            }
        )
        Assignment = cls.env["construction.equipment.assignment"]
        for job, start, end in (
            (cls.job_a, datetime(2026, 11, 1, 7), datetime(2026, 11, 11)),
            (cls.job_b, datetime(2026, 11, 11, 7), datetime(2026, 11, 21)),
        ):
            Assignment.create(
                {
                    "equipment_id": cls.crane.id,
                    "job_id": job.id,
                    "cost_code_id": cls.lifting.id,
                    "date_start": start,
                    "date_end": end,
                }
            )

    def bill(self, amount, post=True, **line_vals):
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.vendor.id,
                "invoice_date": NOV_15,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Crane hire 1-15 Nov",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                            "equipment_id": self.crane.id,
                            "equipment_period_start": NOV_1,
                            "equipment_period_end": NOV_15,
                            **line_vals,
                        }
                    )
                ],
            }
        )
        if post:
            self.post(bill)
        return bill

    def post(self, bill):
        if "ap_on_hold" in bill._fields:
            # with the suite's AP matching installed, a rental bill without a
            # purchase order is held until an AP manager releases it
            bill._ap_match()
            if bill.ap_on_hold:
                manager = new_test_user(
                    self.env,
                    f"ri_ap_manager_{bill.id}",
                    groups="base.group_user,account.group_account_manager,"
                    "ap_matching.group_ap_manager",
                )
                bill.with_user(manager)._ap_release("Rental contract, no order")
        bill.action_post()

    def stage(self, date_from=NOV_1, date_to=NOV_30, user=None):
        return (
            self.env["construction.equipment.cost"]
            .with_user(user or self.coordinator)
            ._stage(date_from, date_to, machines=self.crane)
        )

    def figures(self, costs):
        return sorted(
            costs.mapped(lambda c: (c.source, c.job_id.job_number, c.date, c.amount))
        )

    def approve_and_post(self, costs):
        costs.with_user(self.approver).action_approve()
        costs.with_user(self.approver).action_post()

    def job_cost(self, job):
        lines = self.env["account.analytic.line"].search(
            [("account_id", "=", job.account_id.id)]
        )
        return -sum(lines.mapped("amount"))

    # ------------------------------------------------------------------ staging
    def test_worked_example_and_no_double_staging(self):
        bill = self.bill(2850)
        costs = self.stage()
        invoice = costs.filtered(lambda c: c.source == "rental_invoice")
        self.assertEqual(
            self.figures(invoice),
            [
                ("rental_invoice", "T-RI-A", date(2026, 11, 10), 1900.0),
                ("rental_invoice", "T-RI-B", NOV_15, 950.0),
            ],
        )
        self.assertEqual(invoice.move_line_id, bill.invoice_line_ids)
        self.assertEqual(set(invoice.mapped("state")), {"draft"})
        self.assertEqual(set(invoice.mapped("cost_type")), {"equipment"})
        # the days the bill does not cover are still accrued: 16-20 Nov on B
        accrued = costs - invoice
        self.assertEqual(
            sorted(accrued.mapped("date")), [date(2026, 11, d) for d in range(16, 21)]
        )
        self.assertEqual(sum(accrued.mapped("amount")), 500.0)
        self.assertEqual(accrued.job_id, self.job_b)
        # nothing twice
        self.assertFalse(self.stage())
        # job cost counts the rental once: the bill line has no job analytic line
        self.approve_and_post(costs)
        self.assertEqual(self.job_cost(self.job_a), 1900.0)
        self.assertEqual(self.job_cost(self.job_b), 1450.0)

    def test_rounding_remainder_on_the_last_share(self):
        self.bill(1000)
        costs = self.stage(NOV_1, NOV_15)
        # 1,000 × 10/15 = 666.67, the last share takes the rest: 333.33
        self.assertEqual(sorted(costs.mapped("amount")), [333.33, 666.67])
        self.assertEqual(sum(costs.mapped("amount")), 1000.0)

    def test_posted_accrual_is_trued_up_even_below_zero(self):
        accruals = self.stage(NOV_1, NOV_15)
        self.assertEqual(sum(accruals.mapped("amount")), 1500.0)
        self.approve_and_post(accruals)
        # the vendor bills less than the accrual: 1,200 → A 800 - 1,000, B 400 - 500
        self.bill(1200)
        true_up = self.stage(NOV_1, NOV_15)
        self.assertEqual(
            self.figures(true_up),
            [
                ("rental_invoice", "T-RI-A", date(2026, 11, 10), -200.0),
                ("rental_invoice", "T-RI-B", NOV_15, -100.0),
            ],
        )
        self.approve_and_post(true_up)
        self.assertEqual(set(true_up.mapped("state")), {"posted"})
        self.assertEqual(self.job_cost(self.job_a), 800.0)
        self.assertEqual(self.job_cost(self.job_b), 400.0)
        self.assertFalse(self.stage(NOV_1, NOV_15))

    def test_open_accruals_are_rejected_first(self):
        accruals = self.stage(NOV_1, NOV_15)
        self.bill(2850)
        with self.assertRaisesRegex(UserError, "reject those rental days first"):
            self.stage(NOV_1, NOV_15)
        accruals.with_user(self.approver).action_reject("The vendor's bill came")
        costs = self.stage(NOV_1, NOV_15)
        self.assertEqual(sorted(costs.mapped("amount")), [950.0, 1900.0])

    def test_a_credit_note_takes_its_share_back(self):
        self.bill(2850)
        self.approve_and_post(self.stage(NOV_1, NOV_15))
        refund = self.env["account.move"].create(
            {
                "move_type": "in_refund",
                "partner_id": self.vendor.id,
                "invoice_date": NOV_15,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Crane hire credit",
                            "quantity": 1,
                            "price_unit": 300,
                            "tax_ids": [Command.clear()],
                            "equipment_id": self.crane.id,
                            "equipment_period_start": NOV_1,
                            "equipment_period_end": NOV_15,
                        }
                    )
                ],
            }
        )
        self.post(refund)
        credit = self.stage(NOV_1, NOV_15)
        self.assertEqual(sorted(credit.mapped("amount")), [-200.0, -100.0])

    def test_posted_accrual_is_trued_up_once(self):
        self.approve_and_post(self.stage(NOV_1, NOV_15))  # 1,000 on A, 500 on B
        self.bill(1500)  # exactly the rental days: staged at zero, trued up
        first = self.stage(NOV_1, NOV_15)
        self.assertEqual(first.mapped("amount"), [0.0, 0.0])
        # a second bill for the same days (a surcharge) is not netted again
        self.bill(150)
        second = self.stage(NOV_1, NOV_15)
        self.assertEqual(sorted(second.mapped("amount")), [50.0, 100.0])

    # ------------------------------------------------------------------ bill rules
    def test_bill_line_naming_a_machine_has_no_job_analytics(self):
        bill = self.bill(
            2850,
            post=False,
            analytic_distribution={str(self.job_a.account_id.id): 100},
        )
        with self.assertRaisesRegex(UserError, "Crane hire 1-15 Nov.*Remove the job"):
            self.post(bill)
        line = bill.invoice_line_ids
        line.analytic_distribution = False
        self.post(bill)
        # nor gets one later, nor another machine or period once posted
        with self.assertRaisesRegex(UserError, "Remove the job"):
            line.analytic_distribution = {str(self.job_b.account_id.id): 100}
        with self.assertRaisesRegex(UserError, "resetting the bill to draft"):
            line.equipment_period_end = NOV_30
        # a bill the staging read stays posted until its cost is rejected
        costs = self.stage(NOV_1, NOV_15)
        with self.assertRaisesRegex(UserError, "reject it before resetting"):
            bill.button_draft()
        costs.with_user(self.approver).action_reject("Wrong period")
        bill.button_draft()
        self.assertEqual(bill.state, "draft")

    def test_bill_line_names_a_rented_machine_with_its_period(self):
        owned = self.env["maintenance.equipment"].create({"name": "Test Own Loader"})
        with self.assertRaisesRegex(ValidationError, "not rented or leased"):
            self.bill(100, post=False, equipment_id=owned.id)
        with self.assertRaisesRegex(ValidationError, "rental period"):
            self.bill(100, post=False, equipment_period_end=False)
        with self.assertRaisesRegex(ValidationError, "rental period"):
            self.bill(100, post=False, equipment_period_start=NOV_30)

    def test_staged_rental_invoice_only_from_the_staging(self):
        bill = self.bill(2850)
        Cost = self.env["construction.equipment.cost"].with_user(self.coordinator)
        with self.assertRaisesRegex(UserError, "by the staging only"):
            Cost.create(
                {
                    "equipment_id": self.crane.id,
                    "date": NOV_15,
                    "job_id": self.job_a.id,
                    "cost_code_id": self.lifting.id,
                    "quantity": 1,
                    "rate": -5000,
                    "move_line_id": bill.invoice_line_ids.id,
                }
            )
        costs = self.stage(NOV_1, NOV_15)
        with self.assertRaisesRegex(UserError, "never changes"):
            costs[0].with_user(self.coordinator).write({"move_line_id": False})

    # ------------------------------------------------------------------ companies
    def test_multi_company_isolation(self):
        company_b = self.env["res.company"].create({"name": "Test Rental Co B"})
        ensure_chart_of_accounts(self.env, company_b)
        coordinator_b = new_test_user(
            self.env,
            "ri_coordinator_b",
            groups=COORDINATOR,
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        self.bill(2850)
        # company B's user stages nothing of company A's bill, even naming it
        self.assertFalse(
            self.env["construction.equipment.cost"]
            .with_user(coordinator_b)
            ._stage(NOV_1, NOV_30, companies=self.company | company_b)
        )
        self.assertEqual(len(self.stage(NOV_1, NOV_15)), 2)
        # company B's bill cannot name company A's crane
        vendor_b = self.vendor.copy({"company_id": company_b.id})
        with self.assertRaisesRegex(ValidationError, "another company"):
            self.env["account.move"].with_company(company_b).create(
                {
                    "move_type": "in_invoice",
                    "company_id": company_b.id,
                    "partner_id": vendor_b.id,
                    "invoice_date": NOV_15,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Crane hire",
                                "quantity": 1,
                                "price_unit": 100,
                                "equipment_id": self.crane.id,
                                "equipment_period_start": NOV_1,
                                "equipment_period_end": NOV_15,
                            }
                        )
                    ],
                }
            )

    def test_bill_form_shows_the_machine_to_equipment_users(self):
        accountant = new_test_user(
            self.env,
            "ri_accountant",
            groups="base.group_user,account.group_account_invoice,"
            "equipment_costing.group_equipment_user",
        )
        arch = (
            self.env["account.move"]
            .with_user(accountant)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        for name in ("equipment_id", "equipment_period_start", "equipment_period_end"):
            self.assertIn(f'name="{name}"', arch)
        arch = (
            self.env["construction.equipment.cost"]
            .with_user(self.coordinator)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="move_line_id"', arch)
