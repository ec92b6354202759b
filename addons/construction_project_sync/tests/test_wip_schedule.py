from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import APPROVER_GROUPS, JobCase


@tagged("post_install", "-at_install")
class TestWipSchedule(JobCase):
    """The November 2026 WIP schedule of two jobs, checked by hand.

    Job A "Test Hall" (T-001), over-billed:
      contract 100,000 + approved owner change order 20,000 = 120,000 revised
      cost to date 30,000 (concrete 20,000 + placing 10,000); a December cost of
        5,000 is after the period end and does not count
      November forecast: concrete 40,000 and placing 20,000 still to spend;
        approved when 35,000 was spent → estimated cost 35,000 + 60,000 = 95,000
      percent complete = 30,000 / 95,000 = 31.578947 %
      earned revenue = 120,000 × 30,000 / 95,000 = 37,894.74
      billed to date 50,000 (the invoice's income line; its 5,000 retention is
        not billing, its tax not revenue) → over-billed 50,000 − 37,894.74
        = 12,105.26
      estimated gross profit = 120,000 − 95,000 = 25,000

    Job B "Annex" (T-002), under-billed:
      contract 200,000, no change orders, no forecast: job cost's projection,
        the budget of 150,000 (actual 60,000 + remaining 90,000)
      cost to date 60,000 → percent complete 40 %
      earned revenue = 200,000 × 40 % = 80,000
      billed to date 65,000 → under-billed 80,000 − 65,000 = 15,000
      estimated gross profit = 200,000 − 150,000 = 50,000

    Totals: contract 320,000; estimated cost 245,000; cost to date 90,000;
    earned 117,894.74; billed 115,000; over 12,105.26; under 15,000.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # the schedule reports every awarded job of the company: the database's
        # other (demo) jobs stay out of this worked example
        env["project.project"].search([("is_job", "=", True)]).job_state = "bid"
        # one schedule per company and month: the demo's draft November one goes
        env["construction.wip.schedule"].search(
            [("company_id", "=", env.company.id), ("period_date", "=", "2026-11-30")]
        ).unlink()
        cls.job.job_state = "active"
        cls.job_b = env["project.project"].create(
            {
                "name": "Annex",
                "is_job": True,
                "job_number": "T-002",
                "partner_id": cls.customer.id,
                "contract_value": 200000,
                "job_state": "active",
            }
        )
        cls.controller = new_test_user(
            env,
            "wip_controller",
            groups="base.group_user,construction_project_sync.group_project_controller",
        )
        cls.approver_2 = new_test_user(env, "wip_approver_2", groups=APPROVER_GROUPS)
        cls.accountant = new_test_user(
            env,
            "wip_accountant",
            groups="base.group_user,account.group_account_manager",
        )
        Account = env["account.account"]
        cls.expense_account()  # a chart of accounts
        cls.under_account = Account.create(
            {
                "code": "WIP101",
                "name": "Under-billings",
                "account_type": "asset_current",
            }
        )
        cls.over_account = Account.create(
            {
                "code": "WIP201",
                "name": "Over-billings",
                "account_type": "liability_current",
            }
        )
        cls.revenue_account = Account.create(
            {"code": "WIP401", "name": "Earned revenue", "account_type": "income"}
        )
        env.company.write(
            {
                "construction_underbilling_account_id": cls.under_account.id,
                "construction_overbilling_account_id": cls.over_account.id,
                "construction_earned_revenue_account_id": cls.revenue_account.id,
            }
        )
        change_order = cls.change_order("CO-1", [(cls.concrete, 0, 20000)])
        # approved on November 20 (the approval stamps now); one approved after
        # the period end is no part of November's contract
        env.cr.execute(
            "UPDATE construction_change_order SET approved_at = '2026-11-20 10:00' "
            "WHERE id = %s",
            [change_order.id],
        )
        change_order.invalidate_recordset(["approved_at"])
        cls.change_order("CO-2", [(cls.concrete, 0, 7000)])
        cls.budget([(cls.concrete, 50000), (cls.labor, 25000)])
        cls.actual(cls.concrete, 20000)
        cls.actual(cls.labor, 10000)
        december = cls.actual(cls.concrete, 5000, post=False)
        december.date = "2026-12-05"
        december.action_post()
        forecast = env["construction.forecast"].create(
            {
                "job_id": cls.job.id,
                "period_date": "2026-11-01",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "cost_code_id": cls.concrete.id,
                            "forecast_to_complete": 40000,
                        },
                    ),
                    (
                        0,
                        0,
                        {"cost_code_id": cls.labor.id, "forecast_to_complete": 20000},
                    ),
                ],
            }
        )
        forecast.with_user(cls.approver).action_approve()
        # job B: a budget and its cost, no forecast
        job_a = cls.job
        cls.job = cls.job_b
        cls.budget([(cls.concrete, 100000), (cls.labor, 50000)])
        cls.actual(cls.concrete, 60000)
        cls.job = job_a
        cls.bill(cls.job, 50000, 5000, "2026-11-25")
        cls.bill(cls.job_b, 65000, 0, "2026-11-20")
        # a draft invoice and a December one are not billed to date
        cls.bill(cls.job_b, 7000, 0, "2026-11-28", post=False)
        cls.bill(cls.job_b, 9000, 0, "2026-12-02")

    @classmethod
    def bill(cls, job, amount, retention, date, post=True):
        company = cls.env.company
        lines = [
            {
                "name": "Work completed",
                "quantity": 1,
                "price_unit": amount,
                "account_id": company._construction_billing_income_account().id,
            }
        ]
        if retention:
            lines.append(
                {
                    "name": "Retention",
                    "quantity": 1,
                    "price_unit": -retention,
                    "account_id": company._construction_retention_account().id,
                    "construction_retention": True,
                }
            )
        move = job._create_billing_move("out_invoice", lines, "progress", date=date)
        if post:
            move.action_post()
        return move

    def schedule(self):
        schedule = (
            self.env["construction.wip.schedule"]
            .with_user(self.controller)
            .create({"period_date": "2026-11-12"})
        )
        schedule.action_compute()
        return schedule

    def test_worked_example(self):
        schedule = self.schedule()
        self.assertEqual(str(schedule.period_date), "2026-11-30")
        lines = {line.job_id: line for line in schedule.line_ids}
        self.assertEqual(set(lines), {self.job, self.job_b})
        a, b = lines[self.job], lines[self.job_b]
        figures = (
            "contract_value",
            "estimated_cost",
            "estimated_profit",
            "cost_to_date",
            "earned_revenue",
            "billed_to_date",
            "over_billing",
            "under_billing",
        )
        self.assertEqual(
            [a[name] for name in figures],
            [120000, 95000, 25000, 30000, 37894.74, 50000, 12105.26, 0],
        )
        self.assertEqual(a.percent_complete, 31.58)
        self.assertEqual(
            [b[name] for name in figures],
            [200000, 150000, 50000, 60000, 80000, 65000, 0, 15000],
        )
        self.assertEqual(b.percent_complete, 40)
        self.assertEqual(
            [schedule[name] for name in figures],
            [320000, 245000, 75000, 90000, 117894.74, 115000, 12105.26, 15000],
        )

    def test_physical_progress_method(self):
        self.job_b.wip_progress_method = "physical"
        sov = self.env["construction.sov.line"]
        sov.create(
            [
                {
                    "job_id": self.job_b.id,
                    "item": "1",
                    "name": "Slab",
                    "scheduled_value": 150000,
                },
                {
                    "job_id": self.job_b.id,
                    "item": "2",
                    "name": "Roof",
                    "scheduled_value": 50000,
                },
            ]
        )
        # the field reports the slab 50 % and the roof 20 % done:
        # (150,000 × 50 % + 50,000 × 20 %) / 200,000 = 42.5 %
        self.env.cr.execute(
            "UPDATE construction_sov_line SET reported_percent = "
            "CASE item WHEN '1' THEN 50 ELSE 20 END WHERE job_id = %s",
            [self.job_b.id],
        )
        self.env.invalidate_all()
        line = self.schedule().line_ids.filtered(lambda x: x.job_id == self.job_b)
        self.assertEqual(line.percent_complete, 42.5)
        self.assertEqual((line.earned_revenue, line.under_billing), (85000, 20000))

    def test_close_posts_recognition_entries_and_their_reversals(self):
        schedule = self.schedule()
        # a controller is no approver; an approver who computed it again is a
        # preparer: another person closes it
        with self.assertRaisesRegex(UserError, "group Approver"):
            schedule.with_user(self.controller).action_close()
        schedule.with_user(self.approver_2).action_compute()
        with self.assertRaisesRegex(UserError, "another person"):
            schedule.with_user(self.approver_2).action_close()
        schedule.with_user(self.approver).action_close()
        self.assertEqual((schedule.state, schedule.move_count), ("closed", 2))
        moves = schedule.with_user(self.accountant).move_ids
        self.assertEqual(len(moves), 2)
        self.assertEqual(set(moves.mapped("state")), {"draft"})
        # frozen: neither computed again nor written
        with self.assertRaises(UserError):
            schedule.with_user(self.controller).action_compute()
        with self.assertRaises(UserError):
            schedule.line_ids[0].with_user(self.controller).over_billing = 0
        with self.assertRaises(UserError):
            schedule.with_user(self.approver).write({"period_date": "2026-10-31"})
        # posting is accounting's act
        with self.assertRaises(UserError):
            schedule.with_user(self.controller).action_post_entries()
        schedule.with_user(self.accountant).action_post_entries()
        entries = schedule.with_user(self.accountant).move_ids
        self.assertEqual(len(entries), 4)
        originals = entries.filtered(lambda m: not m.reversed_entry_id)
        reversals = entries - originals
        self.assertEqual(set(entries.mapped("state")), {"posted"})
        self.assertEqual({str(d) for d in originals.mapped("date")}, {"2026-11-30"})
        self.assertEqual({str(d) for d in reversals.mapped("date")}, {"2026-12-01"})

        def balance(moves, account):
            return sum(
                moves.line_ids.filtered(lambda x: x.account_id == account).mapped(
                    "balance"
                )
            )

        # November 30: under-billing an asset, over-billing a liability, revenue
        # brought to what is earned (15,000 − 12,105.26 more revenue)
        self.assertEqual(balance(originals, self.under_account), 15000)
        self.assertEqual(balance(originals, self.over_account), -12105.26)
        self.assertAlmostEqual(
            balance(originals, self.revenue_account), -2894.74, places=2
        )
        for move in originals:
            self.assertTrue(
                move.currency_id.is_zero(sum(move.line_ids.mapped("balance")))
            )
        # December 1: each reversed, nothing left on the accounts
        for account in (self.under_account, self.over_account, self.revenue_account):
            self.assertAlmostEqual(balance(entries, account), 0, places=2)
        self.assertEqual(
            reversals.reversed_entry_id,
            originals,
        )

    def test_recognition_respects_the_hubs_freezes(self):
        schedule = self.schedule()
        freeze = self.env["integration.freeze"].create(
            {
                "name": "November close",
                "company_id": self.env.company.id,
                "date_from": "2026-11-01",
                "date_to": "2026-11-30",
            }
        )
        with self.assertRaisesRegex(UserError, "November close"):
            schedule.with_user(self.approver).action_close()
        self.assertEqual(schedule.state, "draft")
        freeze.action_lift()
        schedule.with_user(self.approver).action_close()
        # December frozen: the reversal could not post, so neither does the entry
        self.env["integration.freeze"].create(
            {
                "name": "December hold",
                "company_id": self.env.company.id,
                "date_from": "2026-12-01",
                "date_to": "2026-12-01",
            }
        )
        with self.assertRaisesRegex(UserError, "December hold"):
            schedule.with_user(self.accountant).action_post_entries()
        self.assertEqual(set(schedule.sudo().move_ids.mapped("state")), {"draft"})

    def test_lines_are_never_written_by_hand(self):
        schedule = self.schedule()
        line = schedule.line_ids[:1].with_user(self.controller)
        with self.assertRaisesRegex(UserError, "cannot be written"):
            line.billed_to_date = 0
        with self.assertRaisesRegex(UserError, "cannot be written"):
            line.create(
                {
                    "schedule_id": schedule.id,
                    "job_id": self.job.id,
                    "progress_method": "cost",
                    "earned_revenue": 1,
                }
            )
        with self.assertRaisesRegex(UserError, "cannot be written"):
            line.unlink()
        with self.assertRaises(UserError):
            schedule.with_user(self.controller).write({"state": "closed"})
        # another month: the figures go, to be computed again
        schedule.with_user(self.controller).period_date = "2026-10-31"
        self.assertFalse(schedule.line_ids or schedule.computed_at)

    def test_report_renders_totals(self):
        schedule = self.schedule()
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "construction_project_sync.report_wip_schedule", schedule.ids
        )
        html = html.decode()
        self.assertIn("Work in Progress Schedule", html)
        self.assertEqual(html.count('class="o_wip_line"'), 2)
        total = html[html.index("o_wip_total") :]
        for amount in (
            "320,000.00",
            "245,000.00",
            "117,894.74",
            "115,000.00",
            "12,105.26",
            "15,000.00",
        ):
            self.assertIn(amount, total)

    def test_percentage_of_completion_invoices_post_to_billings(self):
        billings = self.env["account.account"].create(
            {"code": "WIP402", "name": "Contract billings", "account_type": "income"}
        )
        company = self.env.company
        company.construction_revenue_method = "poc"
        with self.assertRaisesRegex(UserError, "billings account"):
            company._construction_billing_income_account()
        company.construction_billings_account_id = billings
        move = self.bill(self.job_b, 1000, 0, "2026-11-29")
        self.assertIn(billings, move.invoice_line_ids.account_id)
        self.assertEqual(
            self.schedule()
            .line_ids.filtered(lambda x: x.job_id == self.job_b)
            .billed_to_date,
            66000,
        )
