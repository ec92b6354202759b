# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.construction_project_sync.tests.common import (
    ensure_chart_of_accounts,
)

from .subcontract_common import CLERK, PM, SubcontractCase


@tagged("post_install", "-at_install")
class TestSubcontractPayApp(SubcontractCase):
    """Worked example, checked by hand. Subcontract: A Formwork 60,000 (job ×
    concrete), B Placing 40,000 (job × placing), retention 10 %.

    Application #1: A 15,000 this period and 5,000 stored, B 10,000.
      A: G = 15,000 + 5,000 = 20,000 (33.33 %), J = 1,500 + 500 = 2,000,
         billed this period 20,000
      B: G = 10,000 (25 %), J = 1,000, billed 10,000
      G 30,000, retainage 3,000, earned less retainage 27,000, previous
      certificates 0, current payment due 27,000 = 30,000 - 3,000.
      Bill: A 20,000 and B 10,000 on the order lines, retention -2,000 (A) and
      -1,000 (B) on the retention payable account: 27,000.
    Application #2: A 25,000 this period, the 5,000 stored now installed (F = 0),
    B 10,000.
      A: D 15,000, G = 40,000, billed = 25,000 + 0 - 5,000 = 20,000, J = 4,000
         (2,000 withheld now)
      B: D 10,000, G = 20,000, billed 10,000, J = 2,000 (1,000 now)
      G 60,000, retainage 6,000, earned less retainage 54,000, previous
      certificates 30,000 - 3,000 = 27,000, current payment due 27,000.
    """

    def test_pay_application_maths_and_retention(self):
        app = self.pay_app({self.formwork: (15000, 5000), self.placing: (10000, 0)})
        line_a, line_b = app.line_ids.sorted("sequence")
        self.assertEqual(
            (line_a.total_to_date, line_a.retainage, line_a.amount_this_period),
            (20000, 2000, 20000),
        )
        self.assertAlmostEqual(line_a.percent_complete, 33.33, places=2)
        self.assertEqual((line_b.total_to_date, line_b.retainage), (10000, 1000))
        self.assertEqual(
            (
                app.contract_sum,
                app.total_completed_stored,
                app.retainage_total,
                app.total_earned_less_retainage,
                app.previous_certificates,
                app.current_payment_due,
                app.retention_this_period,
                app.balance_to_finish,
            ),
            (100000, 30000, 3000, 27000, 0, 27000, 3000, 73000),
        )
        self.waiver(app)
        self.certify(app)
        self.assertEqual((app.state, app.approved_by_id), ("certified", self.pm))
        bill = self.bill(app)
        self.assertEqual((app.state, bill.state), ("billed", "posted"))
        self.assertEqual(bill.amount_total, 27000)

        app2 = self.pay_app(
            {self.formwork: (25000, 0), self.placing: (10000, 0)},
            period_end="2026-12-31",
        )
        line_a, line_b = app2.line_ids.sorted("sequence")
        self.assertEqual(
            (line_a.previous_amount, line_a.previous_stored, line_a.total_to_date),
            (15000, 5000, 40000),
        )
        self.assertEqual((line_a.amount_this_period, line_a.retainage), (20000, 4000))
        self.assertEqual((line_b.total_to_date, line_b.retainage), (20000, 2000))
        self.assertEqual(
            (
                app2.total_completed_stored,
                app2.retainage_total,
                app2.total_earned_less_retainage,
                app2.previous_certificates,
                app2.current_payment_due,
                app2.amount_this_period,
                app2.retention_this_period,
            ),
            (60000, 6000, 54000, 27000, 27000, 30000, 3000),
        )
        self.assertEqual(app2.number, 2)

    def test_bill_withholds_retention_on_the_retention_payable_account(self):
        app = self.pay_app({self.formwork: (15000, 5000), self.placing: (10000, 0)})
        self.waiver(app)
        self.certify(app)
        bill = self.bill(app, post=False)
        account = self.company.ap_subcontract_retention_account_id
        self.assertEqual(account.account_type, "liability_current")
        retention = bill.invoice_line_ids.filtered("ap_subcontract_retention")
        work = bill.invoice_line_ids - retention
        self.assertEqual(retention.account_id, account)
        self.assertEqual(sorted(retention.mapped("price_subtotal")), [-2000, -1000])
        self.assertEqual(
            {line.purchase_line_id: line.price_subtotal for line in work},
            {self.formwork: 20000, self.placing: 10000},
        )
        # job × cost code on every line, retention included
        self.assertEqual(
            sorted(str(line.analytic_distribution) for line in retention),
            sorted(
                str(item.analytic_distribution)
                for item in (self.formwork, self.placing)
            ),
        )
        # the three-way match judges the work, not the retention: nothing holds it
        self.assertEqual(bill.ap_match_state, "matched")
        bill.action_post()
        self.assertEqual(self.order.ap_retention_held, 3000)
        # a person cannot flag a line of their own as retention to escape the match
        with self.assertRaises(UserError):
            work[0].with_user(self.clerk).write({"ap_subcontract_retention": True})
        with self.assertRaises(UserError):
            self.env["account.move"].with_user(self.clerk).with_context(
                default_ap_subcontract_kind="progress"
            ).create({"move_type": "in_invoice", "partner_id": self.sub.id})

    def test_cancelled_bill_returns_the_application_to_certified(self):
        app = self.pay_app({self.formwork: (1000, 0)})
        self.waiver(app)
        self.certify(app)
        bill = self.bill(app, post=False)
        bill.button_cancel()
        self.assertEqual((app.state, app.bill_id.id), ("certified", False))
        self.assertTrue(self.bill(app, post=False))

    def test_job_cost_counts_nothing_twice(self):
        JobCost = self.env["construction.job.cost"]

        def row(code):
            return JobCost.search(
                [("job_id", "=", self.job.id), ("cost_code_id", "=", code.id)]
            )

        self.assertEqual(
            (row(self.concrete).committed, row(self.labor).committed), (60000, 40000)
        )
        app = self.pay_app({self.formwork: (15000, 5000), self.placing: (10000, 0)})
        self.waiver(app)
        self.certify(app)
        bill = self.bill(app, post=False)
        # a draft bill leaves the whole subcontract committed
        JobCost.invalidate_model()
        self.assertEqual(row(self.concrete).committed, 60000)
        bill.action_post()
        JobCost.invalidate_model()
        concrete, labor = row(self.concrete), row(self.labor)
        # billed gross is actual (retention is owed, still cost), the rest
        # committed; retention held shown beside, never added
        self.assertEqual(
            (concrete.committed, concrete.actual, concrete.ap_retention_held),
            (40000, 20000, 2000),
        )
        self.assertEqual(
            (labor.committed, labor.actual, labor.ap_retention_held),
            (30000, 10000, 1000),
        )

    def test_change_order_moves_the_commitment(self):
        JobCost = self.env["construction.job.cost"]
        dock = self.job._analytic_distribution(self.concrete)
        change = (
            self.env["ap.subcontract.change.order"]
            .with_user(self.clerk)
            .create(
                {
                    "name": "SCO-001",
                    "order_id": self.order.id,
                    "reason": "Extra pour at the loading dock",
                    "line_ids": [
                        Command.create(
                            {
                                "order_line_id": self.placing.id,
                                "name": "More placing",
                                "amount": 10000,
                            }
                        ),
                        Command.create(
                            {
                                "name": "Dock formwork",
                                "amount": 5000,
                                "analytic_distribution": dock,
                            }
                        ),
                    ],
                }
            )
        )
        change.action_submit()
        # the preparer never approves
        with self.assertRaises(UserError):
            change.with_user(self.clerk).action_approve()
        rows = JobCost.search([("job_id", "=", self.job.id)])
        self.assertEqual(sum(rows.mapped("committed")), 100000)
        change.with_user(self.approver).action_approve()
        self.assertEqual(change.state, "approved")
        self.assertEqual(self.placing.product_qty, 50000)
        self.assertEqual(len(self.order.order_line), 3)
        self.env.flush_all()
        JobCost.invalidate_model()
        rows = JobCost.search([("job_id", "=", self.job.id)])
        self.assertEqual(sum(rows.mapped("committed")), 115000)
        # the next application carries the new item and values
        app = self.pay_app({}, submit=False)
        self.assertEqual(app.contract_sum, 115000)
        # approved: locked
        with self.assertRaises(UserError):
            change.line_ids[0].write({"amount": 1})

    def test_a_rejected_change_order_moves_nothing(self):
        change = (
            self.env["ap.subcontract.change.order"]
            .with_user(self.clerk)
            .create(
                {
                    "name": "SCO-REJ",
                    "order_id": self.order.id,
                    "line_ids": [
                        Command.create(
                            {
                                "order_line_id": self.placing.id,
                                "name": "More placing",
                                "amount": 10000,
                            }
                        )
                    ],
                }
            )
        )
        change.action_submit()
        with self.assertRaises(UserError):
            change.with_user(self.clerk).action_reject("Mine, but wrong")
        with self.assertRaises(UserError):
            change.with_user(self.clerk).write({"state": "rejected"})
        change.with_user(self.approver).action_reject("Included in the base scope")
        self.assertEqual(
            (change.state, change.rejection_reason),
            ("rejected", "Included in the base scope"),
        )
        self.assertEqual(self.placing.product_qty, 40000)
        with self.assertRaises(UserError):
            change.with_user(self.approver).action_approve()
        with self.assertRaises(UserError):
            change.line_ids.with_user(self.clerk).write({"amount": 5000})
        change.with_user(self.clerk).action_reset_draft()
        self.assertEqual(change.state, "draft")

    def test_foreign_currency_at_the_documents_rate(self):
        """A subcontract in a currency worth 2 of the company's: job cost in company
        currency at each document's rate, retention on the subcontract in its own."""
        currency = self.env.ref("base.EUR")
        if currency == self.company.currency_id:
            currency = self.env.ref("base.USD")
        currency.active = True
        self.env["res.currency.rate"].create(
            {"currency_id": currency.id, "name": "2026-01-01", "rate": 0.5}
        )
        self.order = self.make_subcontract(
            items=[("Formwork", 60000.0, self.concrete)], currency=currency
        )
        formwork = self.order.order_line
        app = self.pay_app({formwork: (15000, 0)})
        self.waiver(app)
        self.certify(app)
        self.bill(app)
        self.assertEqual(self.order.ap_retention_held, 1500)
        self.env.flush_all()
        row = self.env["construction.job.cost"].search(
            [("job_id", "=", self.job.id), ("cost_code_id", "=", self.concrete.id)]
        )
        # the first subcontract's 60,000 plus 45,000 x 2 committed; 15,000 x 2 actual
        self.assertEqual(
            (row.committed, row.actual, row.ap_retention_held), (150000, 30000, 3000)
        )


@tagged("post_install", "-at_install")
class TestSubcontractCertificationAttacks(SubcontractCase):
    """Certification is the suite's approval: the job's project manager, never the
    preparer, never by a write."""

    def setUp(self):
        super().setUp()
        self.app = self.pay_app({self.formwork: (15000, 0)})
        self.waiver(self.app)

    def test_only_the_jobs_project_manager_certifies(self):
        for user in (self.clerk, self.other_pm):
            with self.assertRaises(UserError):
                self.app.with_user(user).action_certify()
        self.assertEqual(self.app.state, "submitted")
        self.certify(self.app)
        self.assertEqual(self.app.state, "certified")

    def test_preparer_never_certifies_their_own(self):
        # the job's project manager prepares it: then nobody but a rule's group
        # could certify, and not them
        self.app.with_user(self.pm).action_reset_draft()
        self.app.line_ids[0].with_user(self.pm).write({"this_period": 14000})
        self.app.with_user(self.pm).action_submit()
        with self.assertRaises(UserError):
            self.app.with_user(self.pm).action_certify()
        self.assertEqual(self.app.state, "submitted")

    def test_rpc_writes_of_state_and_amounts_are_refused(self):
        app = self.app.with_user(self.clerk)
        attacks = [
            {"state": "certified"},
            {"approved_by_id": self.pm.id},
            {"number": 7},
            {"current_payment_due": 1},
        ]
        for vals in attacks:
            with self.assertRaises(UserError):
                app.write(vals)
        line = app.line_ids[0]
        for vals in (
            {"scheduled_value": 1e9},
            {"previous_amount": 1},
            {"retainage": 0},
            {"total_to_date": 1},
        ):
            with self.assertRaises(UserError):
                line.write(vals)
        self.certify(self.app)
        # certified: locked, lines included, even for the certifier
        with self.assertRaises(UserError):
            self.app.with_user(self.pm).write({"retention_percent": 0})
        with self.assertRaises(UserError):
            self.app.line_ids[0].with_user(self.clerk).write({"this_period": 60000})
        with self.assertRaises(UserError):
            self.app.with_user(self.clerk).unlink()

    def test_context_keys_unlock_nothing(self):
        App = self.env["ap.subcontract.pay.app"].with_user(self.clerk)
        self.app.with_user(self.pm).action_certify()
        self.app.with_user(self.clerk).action_create_bill()
        order = self.make_subcontract()
        for key, value in (
            ("default_state", "certified"),
            ("default_approved_by_id", self.pm.id),
            ("default_bill_id", self.app.bill_id.id),
        ):
            with self.assertRaises(UserError):
                App.with_context(**{key: value}).create(
                    {"order_id": order.id, "period_end": "2026-11-30"}
                )
        app = App.create({"order_id": order.id, "period_end": "2026-11-30"})
        for context in (
            {"tracking_disable": True},
            {"construction_approval_unlock": True},
            {"install_mode": True},
        ):
            with self.assertRaises(UserError):
                app.with_context(**context).write({"state": "certified"})
        self.assertEqual(app.state, "draft")

    def test_figures_changed_after_submission_go_back_to_draft(self):
        self.app.line_ids[0].with_user(self.clerk).write({"this_period": 16000})
        self.assertEqual(self.app.state, "draft")

    def test_rejected_with_a_reason_by_its_certifier_only(self):
        app = self.app
        # not the clerk who prepared it, not another job's manager, not a system
        for user in (self.clerk, self.other_pm):
            with self.assertRaises(UserError):
                app.with_user(user).action_reject("Formwork not on site")
        # a reason is required
        with self.assertRaises(UserError):
            app.with_user(self.pm).action_reject("  ")
        # the reason is the transition's, never a write
        with self.assertRaises(UserError):
            app.with_user(self.clerk).write({"rejection_reason": "fine"})
        with self.assertRaises(UserError):
            app.with_user(self.clerk).write({"state": "rejected"})
        wizard_action = app.with_user(self.pm).action_open_reject_wizard()
        wizard = (
            self.env[wizard_action["res_model"]]
            .with_user(self.pm)
            .with_context(**wizard_action["context"])
            .create({"reason": "Formwork not on site on the 30th"})
        )
        wizard.action_reject()
        self.assertEqual(app.state, "rejected")
        self.assertEqual(app.rejection_reason, "Formwork not on site on the 30th")
        self.assertIn("Formwork not on site", app.message_ids[0].body)
        # locked while rejected: revised only after going back to draft
        with self.assertRaises(UserError):
            app.line_ids[0].with_user(self.clerk).write({"this_period": 10000})
        with self.assertRaises(UserError):
            app.with_user(self.pm).action_certify()
        # still the subcontract's open application: no next one meanwhile
        with self.assertRaises(UserError):
            self.pay_app({self.formwork: (1000, 0)}, period_end="2026-12-31")
        app.with_user(self.clerk).action_reset_draft()
        app.line_ids[0].with_user(self.clerk).write({"this_period": 10000})
        app.with_user(self.clerk).action_submit()
        self.certify(app)
        self.assertEqual(app.state, "certified")
        self.assertEqual(app.amount_this_period, 10000)


@tagged("post_install", "-at_install")
class TestSubcontractCompliance(SubcontractCase):
    def test_missing_documents_block_certification_and_payment(self):
        app = self.pay_app({self.formwork: (15000, 0)})
        # no lien waiver for the application
        with self.assertRaisesRegex(UserError, "lien waiver"):
            self.certify(app)
        self.waiver(app)
        # insurance expired before the application date
        self.restate_insurance(expiry_date="2026-11-01")
        with self.assertRaisesRegex(UserError, "insurance"):
            self.certify(app)
        self.restate_insurance(expiry_date="2026-12-31")
        # the vendor's own compliance date, from the vendor policy
        self.sub.ap_compliance_expiry = "2026-11-15"
        with self.assertRaisesRegex(UserError, "compliance expired"):
            self.certify(app)
        self.sub.ap_compliance_expiry = False
        self.certify(app)
        bill = self.bill(app)
        # expired by the day of payment: no payment
        self.restate_insurance(expiry_date="2026-11-30")
        with self.assertRaisesRegex(UserError, "cannot be paid"):
            bill.with_context(tracking_disable=True).action_register_payment()

    def test_attack_a_clerks_certificate_counts_only_once_verified(self):
        """A clerk records a certificate (or pushes its date): nothing unblocks
        until an AP manager who did not prepare it verifies it, and a verified one
        no longer changes."""
        self.restate_insurance()
        self.insurance.unlink()
        app = self.pay_app({self.formwork: (15000, 0)})
        self.waiver(app)
        forged = (
            self.env["ap.subcontract.compliance"]
            .with_user(self.clerk)
            .create(
                {
                    "name": "Liability certificate",
                    "partner_id": self.sub.id,
                    "document_type": "insurance",
                    "expiry_date": "2030-12-31",
                }
            )
        )
        self.assertEqual(forged.state, "draft")
        with self.assertRaisesRegex(UserError, "insurance"):
            self.certify(app)
        for attack in (
            lambda: forged.with_user(self.clerk).action_verify(),
            lambda: forged.with_user(self.clerk).write({"state": "approved"}),
            lambda: forged.with_user(self.pm).action_verify(),
        ):
            # an AccessError is a UserError too
            with self.assertRaises(UserError):
                attack()
        self.assertEqual(forged.state, "draft")
        # an AP manager who changed it is its preparer: another one verifies
        forged.with_user(self.ap_manager).write({"valid_from": "2026-01-01"})
        with self.assertRaises(UserError):
            forged.with_user(self.ap_manager).action_verify()
        forged.with_user(self.ap_manager2).action_verify()
        self.assertEqual(forged.state, "approved")
        self.certify(app)
        # verified: locked for everyone, the clerk's later edits included
        with self.assertRaises(UserError):
            forged.with_user(self.clerk).write({"expiry_date": "2040-12-31"})
        with self.assertRaises(UserError):
            forged.with_user(self.clerk).action_reset_to_verify()

    def test_setting_chooses_what_blocks(self):
        self.restate_insurance()
        self.insurance.unlink()
        app = self.pay_app({self.formwork: (15000, 0)})
        self.company.ap_subcontract_compliance_block = "payment"
        self.certify(app)  # certification is not blocked
        bill = self.bill(app)
        with self.assertRaises(UserError):
            bill.action_register_payment()
        self.company.ap_subcontract_compliance_block = "none"
        self.assertTrue(bill.action_register_payment())
        self.company.ap_subcontract_compliance_block = "certification"
        app2 = self.pay_app({self.formwork: (1000, 0)}, period_end="2026-12-31")
        self.waiver(app2)
        with self.assertRaises(UserError):
            self.certify(app2)


@tagged("post_install", "-at_install")
class TestSubcontractRetentionRelease(SubcontractCase):
    def complete(self):
        app = self.pay_app({self.formwork: (60000, 0), self.placing: (40000, 0)})
        self.waiver(app)
        self.certify(app)
        return self.bill(app)

    def test_release_bill_pays_out_the_retention_held(self):
        partial = self.pay_app({self.formwork: (6000, 0)})
        self.waiver(partial)
        self.certify(partial)
        self.bill(partial)
        # the company releases once every item is complete
        with self.assertRaisesRegex(UserError, "not complete"):
            self.order.with_user(self.ap_manager).action_ap_release_retention()
        self.complete_rest()
        self.assertEqual(self.order.ap_retention_held, 10000)
        # only an AP manager releases
        with self.assertRaises(UserError):
            self.order.with_user(self.clerk).action_ap_release_retention()
        action = self.order.with_user(self.ap_manager).action_ap_release_retention()
        release = self.env["account.move"].browse(action["res_id"])
        account = self.company.ap_subcontract_retention_account_id
        self.assertEqual(release.ap_subcontract_kind, "retention_release")
        self.assertEqual(set(release.invoice_line_ids.account_id), {account})
        self.assertEqual(
            sorted(release.invoice_line_ids.mapped("price_subtotal")), [4000, 6000]
        )
        # a draft release is no longer there to release again
        self.order.invalidate_recordset()
        self.assertEqual(self.order.ap_retention_held, 0)
        with self.assertRaisesRegex(UserError, "no retention"):
            self.order.with_user(self.ap_manager).action_ap_release_retention()
        self.assertEqual(release.ap_match_state, "none")
        release.action_post()
        self.assertEqual(release.state, "posted")
        # the check agrees: withheld on certified applications less released
        check = self.env.ref("ap_matching.reconciliation_check_subcontract_retention")
        drift = self.env["ap.subcontract.retention.reconciliation"]._reconcile(
            check, self.company
        )
        self.assertFalse([d for d in drift if d["res_id"] == self.order.id])

    def complete_rest(self):
        app = self.pay_app(
            {self.formwork: (54000, 0), self.placing: (40000, 0)},
            period_end="2026-12-31",
        )
        self.waiver(app)
        self.certify(app)
        self.bill(app)

    def test_retention_drift_is_reported_with_its_fix(self):
        app = self.pay_app({self.formwork: (15000, 0)})
        self.waiver(app)
        self.certify(app)
        bill = self.bill(app)
        # a retention line changed behind the controls (a database edit)
        line = bill.line_ids.filtered("ap_subcontract_retention")
        self.env.cr.execute(
            "UPDATE account_move_line SET amount_currency = -500, balance = -500 "
            "WHERE id = %s",
            [line.id],
        )
        self.env.invalidate_all()
        check = self.env.ref("ap_matching.reconciliation_check_subcontract_retention")
        drift = check._run(self.company).drift_ids.filtered(
            lambda d: d.res_id == self.order.id
        )
        self.assertEqual((drift.expected, drift.actual), (1500, 500))
        drift.action_fix()
        self.assertTrue(self.order.activity_ids)


@tagged("post_install", "-at_install")
class TestSubcontractMultiCompany(SubcontractCase):
    def test_other_company_sees_nothing(self):
        company_b = self.env["res.company"].create({"name": "Sub Builders B"})
        ensure_chart_of_accounts(self.env, company_b)
        clerk_b = new_test_user(
            self.env,
            "sc_clerk_b",
            groups=CLERK + "," + PM,
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        app = self.pay_app({self.formwork: (1000, 0)})
        self.waiver(app)
        App = self.env["ap.subcontract.pay.app"].with_user(clerk_b)
        self.assertFalse(App.search([("id", "=", app.id)]))
        self.assertFalse(
            self.env["ap.subcontract.compliance"].with_user(clerk_b).search_count([])
        )
        with self.assertRaises(AccessError):
            app.with_user(clerk_b).read(["current_payment_due"])
        with self.assertRaises(AccessError):
            self.insurance.with_user(clerk_b).read(["expiry_date"])


@tagged("post_install", "-at_install")
class TestSubcontractSchedule(SubcontractCase):
    def test_over_100_percent_and_non_lump_sum_are_refused(self):
        with self.assertRaises(ValidationError):
            self.pay_app({self.formwork: (60001, 0)}, submit=False)
        order = self.make_subcontract()
        order.order_line[0].write({"price_unit": 2.0})
        with self.assertRaisesRegex(UserError, "unit price of 1"):
            self.env["ap.subcontract.pay.app"].create(
                {"order_id": order.id, "period_end": "2026-11-30"}
            )
