from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.integration_queue.tests.common import (
    FlowHttpMixin,
    make_system,
)

from .common import JobCase

API = "/api/construction/v1"
CONTROLLER = "construction_project_sync.group_project_controller"
APPROVER = "construction_project_sync.group_project_approver"
MANAGER = "construction_project_sync.group_project_manager"


def ensure_chart_of_accounts(env, company):
    """Invoices need a chart of accounts; a database without one gets Odoo's
    generic chart, as Odoo's own accounting tests do."""
    if not company.chart_template:
        env["account.chart.template"].try_loading(
            "generic_coa", company, install_demo=False
        )


class BillingCase(JobCase):
    """The JobCase job (contract 100,000, retention 10%) with a two-item schedule of
    values, a project controller and an approver."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ensure_chart_of_accounts(cls.env, cls.env.company)
        # a contract without taxes keeps the worked examples' figures plain
        cls.job.write(
            {
                "company_id": cls.env.company.id,
                "retention_percent": 10,
                "billing_tax_ids": [(5, 0, 0)],
            }
        )
        Sov = cls.env["construction.sov.line"]
        cls.sov_a = Sov.create(
            {
                "job_id": cls.job.id,
                "item": "A",
                "name": "Sitework",
                "scheduled_value": 40000,
            }
        )
        cls.sov_b = Sov.create(
            {
                "job_id": cls.job.id,
                "item": "B",
                "name": "Concrete",
                "cost_code_id": cls.concrete.id,
                "scheduled_value": 60000,
            }
        )
        company = cls.env.company
        cls.controller = new_test_user(
            cls.env,
            "billing_controller",
            groups=f"base.group_user,{CONTROLLER}",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )
        cls.approver = new_test_user(
            cls.env,
            "billing_approver",
            groups=f"base.group_user,{APPROVER}",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )
        cls.manager = new_test_user(
            cls.env, "billing_manager", groups=f"base.group_user,{MANAGER}"
        )

    def pay_app(self, period_end, progress, approve=True, invoice=False):
        """A pay application entered by the controller, approved by the approver;
        progress maps an item to (work completed this period, stored materials)."""
        app = (
            self.env["construction.pay.application"]
            .with_user(self.controller)
            .create({"job_id": self.job.id, "period_end": period_end})
        )
        for sov, (done, stored) in progress.items():
            app.line_ids.filtered(lambda line, sov=sov: line.sov_line_id == sov).write(
                {"this_period": done, "materials_stored": stored}
            )
        if approve:
            app.action_submit()
            app.with_user(self.approver).action_approve()
        if invoice:
            # the controller drafts the invoice, accounting posts it
            app.action_create_invoice()
            app.with_env(self.env).invoice_id.action_post()
        return app.with_env(self.env)

    def line(self, app, sov):
        return app.line_ids.filtered(lambda line: line.sov_line_id == sov)

    def invoice_lines(self, app):
        move = app.invoice_id
        income = move.line_ids.filtered(lambda line: line.display_type == "product")
        retention = income.filtered("construction_retention")
        receivable = move.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        return income - retention, retention, receivable


@tagged("post_install", "-at_install")
class TestPayApplication(BillingCase):
    def test_g702_g703_worked_example_over_two_periods(self):
        """Contract 100,000 at 10% retention; items A Sitework 40,000, B Concrete
        60,000.

        Period 1 (to 31 Jan): A 10,000 done; B 15,000 done and 5,000 of materials
        stored on site.
          G703  A: C 40,000 D 0 E 10,000 F 0     G 10,000 H 25%     I 30,000 J 1,000
                B: C 60,000 D 0 E 15,000 F 5,000 G 20,000 H 33.33%  I 40,000 J 2,000
          G702  1 100,000  2 0  3 100,000  4 30,000
                5 = 5a 10% x 25,000 = 2,500 + 5b 10% x 5,000 = 500 = 3,000
                6 = 30,000 - 3,000 = 27,000   7 = 0   8 = 27,000
                9 = 100,000 - 27,000 = 73,000
          invoice: earned 30,000 (income), retention -3,000 (retention account),
                   receivable 27,000

        Owner change order CO-1 (price 12,000) is approved: item CO-1.1 12,000.

        Period 2 (to 28 Feb): A 20,000 done; B 25,000 done, the stored materials
        are now in place (F back to 0); CO-1.1 6,000 done.
          G703  A:     C 40,000 D 10,000 E 20,000 F 0 G 30,000 H 75%    I 10,000 J 3,000
                B:     C 60,000 D 15,000 E 25,000 F 0 G 40,000 H 66.67% I 20,000 J 4,000
                CO-1.1 C 12,000 D 0      E 6,000  F 0 G 6,000  H 50%    I 6,000  J 600
          G702  1 100,000  2 12,000  3 112,000  4 76,000  5 7,600
                6 = 76,000 - 7,600 = 68,400   7 = line 6 of period 1 = 27,000
                8 = 68,400 - 27,000 = 41,400   9 = 112,000 - 68,400 = 43,600
          invoice: earned 76,000 - 30,000 = 46,000 (A 20,000; B 25,000 - 5,000 of
                   stored materials now in place = 20,000; CO-1.1 6,000), retention
                   7,600 - 3,000 = 4,600, receivable 41,400 = line 8
        """
        app1 = self.pay_app(
            "2026-01-31", {self.sov_a: (10000, 0), self.sov_b: (15000, 5000)}
        )
        self.assertRecordValues(
            self.line(app1, self.sov_a) + self.line(app1, self.sov_b),
            [
                {
                    "scheduled_value": 40000,
                    "previous_amount": 0,
                    "this_period": 10000,
                    "materials_stored": 0,
                    "total_to_date": 10000,
                    "percent_complete": 25,
                    "balance_to_finish": 30000,
                    "retainage": 1000,
                },
                {
                    "scheduled_value": 60000,
                    "previous_amount": 0,
                    "this_period": 15000,
                    "materials_stored": 5000,
                    "total_to_date": 20000,
                    "percent_complete": 33.33,
                    "balance_to_finish": 40000,
                    "retainage": 2000,
                },
            ],
        )
        self.assertRecordValues(
            app1,
            [
                {
                    "number": 1,
                    "state": "approved",
                    "approved_by_id": self.approver.id,
                    "original_contract_sum": 100000,
                    "change_order_sum": 0,
                    "contract_sum_to_date": 100000,
                    "total_completed_stored": 30000,
                    "retainage_completed": 2500,
                    "retainage_stored": 500,
                    "retainage_total": 3000,
                    "total_earned_less_retainage": 27000,
                    "previous_certificates": 0,
                    "current_payment_due": 27000,
                    "balance_to_finish": 73000,
                    "amount_this_period": 30000,
                    "retention_this_period": 3000,
                }
            ],
        )
        self.assertTrue(app1.approved_at)
        app1.with_user(self.controller).action_create_invoice()
        self.assertEqual(app1.state, "invoiced")
        self.assertEqual(app1.invoice_id.amount_total, 27000)
        # a draft invoice holds no retention yet: accounting posts it
        self.assertEqual(self.job.retention_held, 0)
        app1.invoice_id.action_post()
        self.job.invalidate_recordset(["retention_held"])
        self.assertEqual(self.job.retention_held, 3000)

        self.change_order("CO-1", [(self.concrete, 10000, 12000)])
        sov_co = self.job.sov_line_ids.filtered("change_order_id")
        self.assertEqual((sov_co.item, sov_co.scheduled_value), ("CO-1.1", 12000))

        app2 = self.pay_app(
            "2026-02-28",
            {self.sov_a: (20000, 0), self.sov_b: (25000, 0), sov_co: (6000, 0)},
            invoice=True,
        )
        self.assertRecordValues(
            self.line(app2, self.sov_a)
            + self.line(app2, self.sov_b)
            + self.line(app2, sov_co),
            [
                {
                    "previous_amount": 10000,
                    "previous_stored": 0,
                    "total_to_date": 30000,
                    "percent_complete": 75,
                    "balance_to_finish": 10000,
                    "retainage": 3000,
                    "amount_this_period": 20000,
                },
                {
                    "previous_amount": 15000,
                    "previous_stored": 5000,
                    "total_to_date": 40000,
                    "percent_complete": 66.67,
                    "balance_to_finish": 20000,
                    "retainage": 4000,
                    "amount_this_period": 20000,
                },
                {
                    "previous_amount": 0,
                    "previous_stored": 0,
                    "total_to_date": 6000,
                    "percent_complete": 50,
                    "balance_to_finish": 6000,
                    "retainage": 600,
                    "amount_this_period": 6000,
                },
            ],
        )
        self.assertRecordValues(
            app2,
            [
                {
                    "number": 2,
                    "state": "invoiced",
                    "original_contract_sum": 100000,
                    "change_order_sum": 12000,
                    "contract_sum_to_date": 112000,
                    "total_completed_stored": 76000,
                    "retainage_total": 7600,
                    "total_earned_less_retainage": 68400,
                    "previous_certificates": 27000,
                    "current_payment_due": 41400,
                    "balance_to_finish": 43600,
                    "amount_this_period": 46000,
                    "retention_this_period": 4600,
                }
            ],
        )
        self.assertEqual(str(app2.period_start), "2026-02-01")
        income, retention, receivable = self.invoice_lines(app2)
        self.assertEqual(sorted(income.mapped("credit")), [6000, 20000, 20000])
        self.assertEqual(retention.debit, 4600)
        self.assertEqual(receivable.debit, 41400)
        # the schedule of values shows what approved applications billed
        self.assertEqual(self.sov_b.billed_to_date, 40000)
        self.job.invalidate_recordset(["retention_held"])
        self.assertEqual(self.job.retention_held, 7600)

    def test_invoice_draft_lines_accounts_and_analytic(self):
        app = self.pay_app(
            "2026-01-31", {self.sov_a: (10000, 0), self.sov_b: (15000, 5000)}
        )
        self.assertFalse(app.invoice_id)
        app.with_user(self.controller).action_create_invoice()
        move = app.invoice_id
        self.assertRecordValues(
            move,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "partner_id": self.customer.id,
                    "construction_job_id": self.job.id,
                    "construction_pay_application_id": app.id,
                    "construction_billing_kind": "progress",
                    "amount_untaxed": 27000,
                    "amount_tax": 0,
                    "amount_total": 27000,
                }
            ],
        )
        income, retention, receivable = self.invoice_lines(app)
        company = self.env.company
        account = company.construction_retention_account_id
        self.assertRecordValues(
            account,
            [{"name": "Retention Receivable", "account_type": "asset_current"}],
        )
        # receivable = gross - retention; the retention on its own account
        self.assertEqual(sum(income.mapped("credit")), 30000)
        self.assertEqual(
            income.account_id, company._construction_billing_income_account()
        )
        self.assertEqual(income.account_id.internal_group, "income")
        self.assertRecordValues(
            retention, [{"account_id": account.id, "debit": 3000, "credit": 0}]
        )
        self.assertEqual(receivable.debit, 27000)
        self.assertEqual(receivable.account_id.account_type, "asset_receivable")
        # income carries the job's analytic account; the balance sheet line does not
        for line in income:
            self.assertEqual(
                line.analytic_distribution, {str(self.job.account_id.id): 100}
            )
        self.assertFalse(retention.analytic_distribution)
        # nothing is posted: accounting posts the draft
        self.assertFalse(
            self.env["account.move.line"].search(
                [("move_id", "=", move.id), ("parent_state", "=", "posted")]
            )
        )
        with self.assertRaises(UserError):
            app.with_user(self.controller).action_create_invoice()
        # an approved application with a live invoice cannot be cancelled
        with self.assertRaises(UserError):
            app.with_user(self.approver).action_cancel()
        move.button_cancel()
        app.with_user(self.approver).action_cancel()
        self.assertEqual(app.state, "cancel")
        self.assertEqual(self.job.retention_held, 0)

    def test_only_an_approver_approves_and_unapproved_never_invoice(self):
        app = self.pay_app("2026-01-31", {self.sov_a: (10000, 0)}, approve=False)
        Move = self.env["account.move"]
        with self.assertRaises(UserError):
            app.with_user(self.controller).action_create_invoice()
        app.with_user(self.controller).action_submit()
        self.assertEqual(app.state, "submitted")
        with self.assertRaises(UserError):
            app.with_user(self.controller).action_approve()
        with self.assertRaises(UserError):
            app.with_user(self.approver).action_create_invoice()
        self.assertEqual(app.state, "submitted")
        self.assertFalse(Move.search([("construction_job_id", "=", self.job.id)]))
        # changing a submitted application's figures sends it back to draft
        app.line_ids[0].with_user(self.controller).this_period = 1
        self.assertEqual(app.state, "draft")
        app.with_user(self.controller).action_submit()
        app.with_user(self.controller).action_reset_draft()
        self.assertEqual(app.state, "draft")
        app.line_ids[0].with_user(self.controller).this_period = 12000
        app.with_user(self.controller).action_submit()
        # a project manager reads pay applications but neither changes nor approves
        self.assertEqual(app.with_user(self.manager).current_payment_due, 10800)
        with self.assertRaises(AccessError):
            app.with_user(self.manager).check_access("write")
        with self.assertRaises(AccessError):
            self.sov_a.with_user(self.manager).check_access("write")
        with self.assertRaises(UserError):
            app.with_user(self.manager).action_approve()
        app.with_user(self.approver).action_approve()
        self.assertEqual((app.state, app.approved_by_id), ("approved", self.approver))
        self.assertIn(
            "Approved by",
            app.message_ids.mapped("body")[0],
            "the approval is in chatter",
        )
        self.assertFalse(Move.search([("construction_job_id", "=", self.job.id)]))
        # approved, it cannot change any more
        with self.assertRaises(UserError):
            app.with_user(self.approver).write({"period_end": "2026-02-15"})

    def test_over_one_hundred_percent_needs_an_approver(self):
        app = self.pay_app("2026-01-31", {}, approve=False)
        line = self.line(app, self.sov_a).with_user(self.controller)
        with self.assertRaises(ValidationError):
            line.write({"this_period": 35000, "materials_stored": 6000})
        with self.assertRaises(ValidationError):
            line.write({"this_period": -1})
        with self.assertRaises(UserError):
            app.with_user(self.controller).allow_overbilling = True
        app.with_user(self.approver).allow_overbilling = True
        line.write({"this_period": 35000, "materials_stored": 6000})
        self.assertAlmostEqual(line.percent_complete, 102.5)
        # taking the allowance back with an item over 100% is refused
        with self.assertRaises(ValidationError):
            app.with_user(self.approver).allow_overbilling = False

    def test_sequence_periods_and_schedule_of_values_total(self):
        Apps = self.env["construction.pay.application"].with_user(self.controller)
        self.sov_b.scheduled_value = 50000  # the schedule no longer adds up
        app1 = Apps.create({"job_id": self.job.id, "period_end": "2026-01-31"})
        self.assertEqual((app1.number, str(app1.period_start)), (1, "2026-01-01"))
        with self.assertRaisesRegex(UserError, "adds up to"):
            app1.action_submit()
        self.sov_b.scheduled_value = 60000
        # one open application per job at a time
        with self.assertRaises(UserError):
            Apps.create({"job_id": self.job.id, "period_end": "2026-02-28"})
        app1.action_submit()
        app1.with_user(self.approver).action_approve()
        # a billed item's value changes through change orders only
        with self.assertRaises(UserError):
            self.sov_b.scheduled_value = 65000
        with self.assertRaises(ValidationError):
            Apps.create({"job_id": self.job.id, "period_end": "2026-01-20"})
        app2 = Apps.create({"job_id": self.job.id, "period_end": "2026-02-28"})
        self.assertEqual((app2.number, str(app2.period_start)), (2, "2026-02-01"))
        # cancelled, its number is given again
        app2.action_cancel()
        app3 = Apps.create({"job_id": self.job.id, "period_end": "2026-02-28"})
        self.assertEqual(app3.number, 2)
        # an approved application is cancelled last first, by an approver
        app3.action_submit()
        app3.with_user(self.approver).action_approve()
        with self.assertRaises(UserError):
            app1.with_user(self.approver).action_cancel()
        with self.assertRaises(UserError):
            app3.action_cancel()
        app3.with_user(self.approver).action_cancel()
        app1.with_user(self.approver).action_cancel()
        self.assertEqual((app1.state, app3.state), ("cancel", "cancel"))

    def test_field_progress_is_only_a_suggestion(self):
        app = self.pay_app("2026-01-31", {}, approve=False)
        self.sov_a.write({"reported_percent": 30, "reported_at": "2026-01-30 12:00:00"})
        self.sov_b.write(
            {
                "reported_percent": 10,
                "reported_stored": 2000,
                "reported_at": "2026-01-30 12:00:00",
            }
        )
        self.assertEqual(self.line(app, self.sov_a).suggested_this_period, 12000)
        self.assertEqual(app.current_payment_due, 0)
        app.with_user(self.controller).action_apply_field_progress()
        self.assertRecordValues(
            self.line(app, self.sov_a) + self.line(app, self.sov_b),
            [
                {"this_period": 12000, "materials_stored": 0},
                {"this_period": 6000, "materials_stored": 2000},
            ],
        )
        self.assertEqual(app.state, "draft")

    def test_retention_release_is_its_own_invoice_and_capped(self):
        """After the two periods of the worked example (retention held 3,000 + 4,600
        = 7,600), 5,000 is released; the third period then completes the contract:
          4 = 112,000; retainage 10% = 11,200 less 5,000 released: 5 = 6,200
          6 = 105,800; 7 = 76,000 - 7,600 + 5,000 released = 73,400; 8 = 32,400
          invoice: earned 36,000, retention 11,200 - 7,600 = 3,600, due 32,400;
          held afterwards 2,600 + 3,600 = 6,200 = line 5.
        """
        self.pay_app(
            "2026-01-31",
            {self.sov_a: (10000, 0), self.sov_b: (15000, 5000)},
            invoice=True,
        )
        self.change_order("CO-1", [(self.concrete, 10000, 12000)])
        sov_co = self.job.sov_line_ids.filtered("change_order_id")
        self.pay_app(
            "2026-02-28",
            {self.sov_a: (20000, 0), self.sov_b: (25000, 0), sov_co: (6000, 0)},
            invoice=True,
        )
        self.assertEqual(self.job.retention_held, 7600)
        Wizard = self.env["construction.retention.release"]
        with self.assertRaises(AccessError):
            Wizard.with_user(self.controller).create(
                {"job_id": self.job.id, "amount": 1000}
            ).action_release()
        wizard = Wizard.with_user(self.approver).create({"job_id": self.job.id})
        self.assertEqual((wizard.retention_held, wizard.amount), (7600, 7600))
        wizard.amount = 8000
        with self.assertRaisesRegex(UserError, "cannot be released"):
            wizard.action_release()
        wizard.amount = 5000
        wizard.action_release()
        release = self.env["account.move"].search(
            [
                ("construction_job_id", "=", self.job.id),
                ("construction_billing_kind", "=", "retention_release"),
            ]
        )
        self.assertRecordValues(
            release,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "partner_id": self.customer.id,
                    "amount_total": 5000,
                }
            ],
        )
        line = release.line_ids.filtered(lambda aml: aml.display_type == "product")
        self.assertRecordValues(
            line,
            [
                {
                    "account_id": self.env.company.construction_retention_account_id.id,
                    "credit": 5000,
                }
            ],
        )
        self.assertEqual(self.job.retention_held, 2600)
        with self.assertRaises(UserError):
            self.job.with_user(self.approver)._create_retention_release(3000)

        app3 = self.pay_app(
            "2026-03-31",
            {self.sov_a: (10000, 0), self.sov_b: (20000, 0), sov_co: (6000, 0)},
            invoice=True,
        )
        self.assertRecordValues(
            app3,
            [
                {
                    "total_completed_stored": 112000,
                    "retainage_gross": 11200,
                    "retention_released": 5000,
                    "retainage_total": 6200,
                    "total_earned_less_retainage": 105800,
                    "previous_certificates": 73400,
                    "current_payment_due": 32400,
                    "balance_to_finish": 6200,
                }
            ],
        )
        self.assertEqual(app3.invoice_id.amount_total, 32400)
        self.assertEqual(self.job.retention_held, app3.retainage_total)

    def test_a_period_giving_back_more_than_it_earns_is_a_credit_note(self):
        self.pay_app("2026-01-31", {self.sov_b: (10000, 5000)}, invoice=True)
        # the stored materials were returned: 5,000 less, 500 less retention
        app = self.pay_app("2026-02-28", {self.sov_b: (0, 0)}, invoice=True)
        self.assertEqual(app.current_payment_due, -4500)
        self.assertRecordValues(
            app.invoice_id, [{"move_type": "out_refund", "amount_total": 4500}]
        )
        self.assertEqual(self.job.retention_held, 1000)


@tagged("post_install", "-at_install")
class TestChangeOrderMovesScheduleOfValues(BillingCase):
    def test_owner_change_order_adds_items_in_the_approval(self):
        co = self.change_order(
            "CO-7",
            [
                (self.concrete, 8000, 9500),
                (self.labor, 3000, 0),  # cost only: no billing item
                (self.labor, 2000, 2500),
            ],
            state="pending",
        )
        self.assertFalse(co.sov_line_ids)
        co.with_user(self.approver).action_approve()
        self.assertRecordValues(
            co.sov_line_ids,
            [
                {
                    "item": "CO-7.1",
                    "scheduled_value": 9500,
                    "cost_code_id": self.concrete.id,
                    "origin": "change_order",
                },
                {
                    "item": "CO-7.2",
                    "scheduled_value": 2500,
                    "cost_code_id": self.labor.id,
                    "origin": "change_order",
                },
            ],
        )
        # the schedule of values and the revised budget moved together
        self.assertEqual(self.job.sov_total, self.job.revised_contract_value)
        self.assertEqual(self.job.revised_contract_value, 112000)
        self.assertEqual(
            self.job_cost()[self.concrete, "material"].approved_changes, 8000
        )
        body = co.message_ids.mapped("body")
        self.assertTrue(
            any("CO-7.1" in text and "Schedule of values" in text for text in body)
        )
        # the change order's items are its own: they change only by another one
        with self.assertRaises(UserError):
            co.sov_line_ids[0].scheduled_value = 1
        with self.assertRaises(UserError):
            co.sov_line_ids.unlink()
        # adding them again adds nothing
        self.assertFalse(co._add_sov_lines())

    def test_internal_change_order_moves_no_schedule_of_values(self):
        co = self.change_order("CO-8", [(self.concrete, 5000, 6000)], kind="internal")
        self.assertEqual(co.state, "approved")
        self.assertFalse(co.sov_line_ids)
        self.assertEqual(self.job.sov_total, 100000)
        self.assertEqual(
            self.job_cost()[self.concrete, "material"].approved_changes, 5000
        )

    def test_approval_and_schedule_of_values_are_one_transaction(self):
        co = self.change_order("CO-9", [(self.concrete, 1000, 1200)], state="pending")
        Sov = type(self.env["construction.sov.line"])
        with patch.object(Sov, "create", side_effect=UserError("disk full")):
            with self.assertRaises(UserError):
                co.with_user(self.approver).action_approve()
        co.invalidate_recordset()
        self.assertEqual(co.state, "pending")
        self.assertFalse(co.approved_by_id)
        self.assertEqual(self.job.revised_contract_value, 100000)
        self.assertFalse(self.job.sov_line_ids.filtered("change_order_id"))
        row = self.job_cost().get((self.concrete, "material"))
        self.assertFalse(row and row.approved_changes)


@tagged("post_install", "-at_install")
class TestBillingMultiCompany(BillingCase):
    def test_pay_applications_stay_in_their_company(self):
        company_b = self.env["res.company"].create({"name": "Billing B"})
        job_b = (
            self.env["project.project"]
            .with_company(company_b)
            .create(
                {
                    "name": "B Depot",
                    "is_job": True,
                    "job_number": "B-77",
                    "company_id": company_b.id,
                    "contract_value": 5000,
                }
            )
        )
        sov_b = (
            self.env["construction.sov.line"]
            .with_company(company_b)
            .create(
                {
                    "job_id": job_b.id,
                    "item": "1",
                    "name": "All",
                    "scheduled_value": 5000,
                }
            )
        )
        app_b = (
            self.env["construction.pay.application"]
            .with_company(company_b)
            .create({"job_id": job_b.id, "period_end": "2026-01-31"})
        )
        self.assertEqual(app_b.company_id, company_b)
        app_a = self.pay_app("2026-01-31", {self.sov_a: (1000, 0)}, approve=False)
        self.assertEqual(app_a.company_id, self.env.company)
        Apps = self.env["construction.pay.application"].with_user(self.controller)
        jobs = self.job | job_b
        self.assertEqual(Apps.search([("job_id", "in", jobs.ids)]), app_a)
        self.assertNotIn(
            sov_b,
            self.env["construction.sov.line"].with_user(self.controller).search([]),
        )
        with self.assertRaises(AccessError):
            app_b.with_user(self.controller).read(["current_payment_due"])
        with self.assertRaises(AccessError):
            app_b.line_ids.with_user(self.controller).read(["this_period"])
        with self.assertRaises(AccessError):
            sov_b.with_user(self.controller).write({"name": "x"})


@tagged("post_install", "-at_install")
class TestProgressUpdateOverHttp(FlowHttpMixin, HttpCase):
    """The field reports completion through the API; it lands on the schedule of
    values and never approves or invoices anything."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        flows = cls.env["integration.flow"].search([("code", "=", "progress.update")])
        cls.system, cls.key = make_system(
            cls.env, "field_test", flows, groups=[CONTROLLER]
        )
        cls.customer = cls.env["res.partner"].create({"name": "Field Owner"})
        cls.job = cls.env["project.project"].create(
            {
                "name": "Field Hall",
                "is_job": True,
                "job_number": "F-001",
                "partner_id": cls.customer.id,
                "contract_value": 100000,
                "company_id": cls.env.company.id,
            }
        )
        cls.env["integration.mapping"]._link(cls.system, cls.job, "PRJ-F1")
        cls.code = cls.env["construction.cost.code"].create(
            {"code": "F-03300", "name": "Concrete", "cost_type": "material"}
        )
        Sov = cls.env["construction.sov.line"]
        cls.sov_a = Sov.create(
            {
                "job_id": cls.job.id,
                "item": "A",
                "name": "Site",
                "scheduled_value": 40000,
            }
        )
        cls.sov_b = Sov.create(
            {
                "job_id": cls.job.id,
                "item": "B",
                "name": "Concrete",
                "cost_code_id": cls.code.id,
                "scheduled_value": 60000,
            }
        )
        cls.app = cls.env["construction.pay.application"].create(
            {"job_id": cls.job.id, "period_end": "2026-04-30"}
        )

    def post(self, payload, key):
        return self.post_flow("progress.update", payload, key)

    def sync(self, payload, key, expect=202):
        return self.sync_flow("progress.update", payload, key, expect)

    def test_progress_update_suggests_and_never_bills(self):
        payload = {
            "job_external_id": "PRJ-F1",
            "period_end": "2026-04-30",
            "lines": [
                {"item": "A", "percent_complete": 50, "materials_stored": 2000},
                {"cost_code": "F-03300", "percent_complete": 25},
            ],
        }
        message = self.sync(payload, "p-1")
        self.assertEqual(message.state, "done", message.error_message)
        self.assertRecordValues(
            self.sov_a + self.sov_b,
            [
                {
                    "reported_percent": 50,
                    "reported_stored": 2000,
                    "reported_system_id": self.system.id,
                },
                {
                    "reported_percent": 25,
                    "reported_stored": 0,
                    "reported_system_id": self.system.id,
                },
            ],
        )
        self.assertEqual(
            set(message.lineage_ids.mapped("res_id")), {self.sov_a.id, self.sov_b.id}
        )
        # the draft application only shows the suggestion; nothing is billed
        line_a = self.app.line_ids.filtered(lambda line: line.sov_line_id == self.sov_a)
        self.assertEqual((line_a.suggested_this_period, line_a.this_period), (20000, 0))
        self.assertEqual(self.app.state, "draft")
        self.assertEqual(self.app.current_payment_due, 0)
        self.assertEqual(len(self.job.pay_application_ids), 1)
        self.assertFalse(
            self.env["account.move"].search([("construction_job_id", "=", self.job.id)])
        )
        # the same report again: the same key answers from the inbox, another key
        # (a replay) writes the same figures
        again = self.post(payload, "p-1")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        message = self.sync(payload, "p-1-resent")
        self.assertEqual(message.state, "done")
        self.assertEqual(
            (self.sov_a.reported_percent, self.sov_b.reported_percent), (50, 25)
        )
        # an older report does not overwrite a newer one; by job number works too
        message = self.sync(
            {
                "job_number": "F-001",
                "period_end": "2026-03-31",
                "lines": [{"item": "A", "percent_complete": 10}],
            },
            "p-old",
        )
        self.assertEqual(message.state, "done")
        self.assertEqual(self.sov_a.reported_percent, 50)
        self.assertIn("newer", message.attempt_ids.error_message)
        # an unknown item waits for the schedule of values (retried)
        message = self.sync(
            {
                "job_external_id": "PRJ-F1",
                "lines": [{"item": "Z", "percent_complete": 10}],
            },
            "p-unknown",
        )
        self.assertEqual(
            (message.state, message.error_code), ("failed", "unknown_sov_item")
        )
        # still nothing approved or invoiced: a person applies and approves
        self.assertEqual(self.app.state, "draft")
        self.assertFalse(
            self.env["account.move"].search([("construction_job_id", "=", self.job.id)])
        )
        bad = self.post(
            {"job_external_id": "PRJ-F1", "lines": [{"item": "A"}]}, "p-bad"
        )
        self.assertEqual(bad.status_code, 422)
