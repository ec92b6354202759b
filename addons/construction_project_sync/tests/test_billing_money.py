import psycopg2

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_pay_application import BillingCase


@tagged("post_install", "-at_install")
class TestBillingMoney(BillingCase):
    """Money paths of progress billing: taxes, held retention, releases one at a
    time, withdrawn invoices, closed periods."""

    def held(self):
        self.job.invalidate_recordset(["retention_held"])
        return self.job.retention_held

    def tax(self, amount):
        return self.env["account.tax"].create(
            {
                "name": f"Contract tax {amount}%",
                "amount": amount,
                "type_tax_use": "sale",
            }
        )

    def release(self, amount):
        return self.job.with_user(self.approver)._create_retention_release(amount)

    def test_invoices_carry_the_contract_taxes_mapped_by_fiscal_position(self):
        tax10, tax5 = self.tax(10), self.tax(5)
        self.job.billing_tax_ids = tax10
        app = self.pay_app("2026-01-31", {self.sov_a: (30000, 0)}, invoice=True)
        move = app.invoice_id
        income, retention, _receivable = self.invoice_lines(app)
        self.assertEqual((income + retention).tax_ids, tax10)
        # retention is taxed when released: 10% of 30,000 - 3,000
        self.assertRecordValues(
            move, [{"amount_untaxed": 27000, "amount_tax": 2700, "amount_total": 29700}]
        )
        release = self.release(3000)
        self.assertEqual(release.invoice_line_ids.tax_ids, tax10)
        self.assertEqual(release.amount_tax, 300)
        # a customer under a fiscal position gets the mapped tax
        position = self.env["account.fiscal.position"].create(
            {
                "name": "Reduced rate",
                "tax_ids": [(0, 0, {"tax_src_id": tax10.id, "tax_dest_id": tax5.id})],
            }
        )
        self.customer.property_account_position_id = position
        app2 = self.pay_app("2026-02-28", {self.sov_a: (10000, 0)}, invoice=True)
        self.assertEqual(app2.invoice_id.fiscal_position_id, position)
        self.assertEqual(app2.invoice_id.invoice_line_ids.tax_ids, tax5)
        self.assertEqual(app2.invoice_id.amount_tax, 450)

    def test_contract_taxes_are_set_by_those_who_bill(self):
        tax = self.tax(10)
        self.job.billing_tax_ids = tax
        # a project administrator edits the job, not its contract's taxes
        project_admin = new_test_user(
            self.env,
            "billing_project_admin",
            groups="base.group_user,project.group_project_manager,"
            "construction_project_sync.group_project_manager",
        )
        with self.assertRaises(AccessError):
            self.job.with_user(project_admin).write({"billing_tax_ids": [(5, 0, 0)]})
        self.assertEqual(self.job.billing_tax_ids, tax)
        self.job.with_user(self.controller).write({"billing_tax_ids": [(5, 0, 0)]})
        self.assertFalse(self.job.billing_tax_ids)
        # a job they create still gets the company's sales tax
        job = (
            self.env["project.project"]
            .with_user(project_admin)
            .create({"name": "PM job", "is_job": True, "job_number": "PM-1"})
        )
        self.assertEqual(job.billing_tax_ids, self.env.company.account_sale_tax_id)

    def test_held_retention_counts_posted_invoices_only(self):
        app = self.pay_app("2026-01-31", {self.sov_a: (10000, 0)})
        app.with_user(self.controller).action_create_invoice()
        self.assertEqual(app.invoice_id.state, "draft")
        # a draft withholds nothing yet: nothing to release
        self.assertEqual(self.held(), 0)
        with self.assertRaisesRegex(UserError, "cannot be released"):
            self.release(1000)
        app.invoice_id.action_post()
        self.assertEqual(self.held(), 1000)

    def test_a_second_release_finds_nothing_left(self):
        self.pay_app("2026-01-31", {self.sov_a: (10000, 0)}, invoice=True)
        first = self.release(1000)
        self.assertEqual(first.state, "draft")
        # the draft release already took it
        self.assertEqual(self.held(), 0)
        with self.assertRaisesRegex(UserError, "holds .*0.00 of retention"):
            self.release(1000)
        # withdrawn, it is there again
        first.button_cancel()
        self.assertEqual(self.held(), 1000)

    def test_releases_of_a_job_wait_for_each_other(self):
        """Two releases at once: the second waits on the job's row lock until the
        first commits (here: it gives up after a short lock timeout)."""
        job = self.env.ref("construction_project_sync.demo_job_library")
        with self.registry.cursor() as other_cr:
            other = api.Environment(other_cr, SUPERUSER_ID, {})
            # the first release takes the lock before it checks anything (this one
            # is then refused, but its transaction keeps the lock)
            with self.assertRaisesRegex(UserError, "must be positive"):
                other["project.project"].browse(job.id)._create_retention_release(0)
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaises(psycopg2.errors.LockNotAvailable),
                self.cr.savepoint(),
            ):
                self.cr.execute("SET LOCAL lock_timeout = '300ms'")
                job._create_retention_release(1)
            other_cr.rollback()

    def test_cancelled_or_reversed_invoice_returns_the_application(self):
        app = self.pay_app("2026-01-31", {self.sov_a: (10000, 0)}, invoice=True)
        invoice = app.invoice_id
        self.assertEqual(self.held(), 1000)
        invoice.button_draft()
        invoice.button_cancel()
        self.assertRecordValues(app, [{"state": "approved", "invoice_id": False}])
        self.assertEqual(self.held(), 0)
        # invoiced anew: one live invoice, the same amount, no double count
        app.with_user(self.controller).action_create_invoice()
        self.assertEqual(app.state, "invoiced")
        self.assertEqual(app.invoice_id.amount_total, 9000)
        app.invoice_id.action_post()
        self.assertEqual(self.held(), 1000)
        # a posted credit note reversing it does the same
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=app.invoice_id.ids)
            .create({"journal_id": app.invoice_id.journal_id.id, "reason": "wrong"})
        )
        reversal.refund_moves()
        credit_note = app.invoice_id.reversal_move_ids
        self.assertEqual(app.state, "invoiced", "a draft credit note changes nothing")
        credit_note.action_post()
        self.assertRecordValues(app, [{"state": "approved", "invoice_id": False}])
        self.assertEqual(self.held(), 0)
        # the next application counts what was certified, not the withdrawn invoice
        app.with_user(self.controller).action_create_invoice()
        app.invoice_id.action_post()
        app2 = self.pay_app("2026-02-28", {self.sov_a: (5000, 0)}, invoice=True)
        self.assertEqual(app2.previous_certificates, 9000)
        self.assertEqual(app2.invoice_id.amount_total, 4500)
        self.assertEqual(self.held(), 1500)

    def test_no_invoice_into_a_frozen_period(self):
        app = self.pay_app("2026-01-31", {self.sov_a: (10000, 0)}, approve=False)
        app.application_date = "2026-01-31"
        app.action_submit()
        app.with_user(self.approver).action_approve()
        freeze = self.env["integration.freeze"].create(
            {
                "name": "January close",
                "company_id": self.env.company.id,
                "date_from": "2026-01-01",
                "date_to": "2026-01-31",
            }
        )
        with self.assertRaisesRegex(
            UserError, "cannot be posted: 2026-01-31 falls in the frozen period"
        ):
            app.with_user(self.controller).action_create_invoice()
        self.assertEqual((app.state, app.invoice_id.id), ("approved", False))
        freeze.action_lift()
        app.with_user(self.controller).action_create_invoice()
        # frozen again before accounting posts the draft: posting is refused too
        freeze.action_reactivate()
        with self.assertRaisesRegex(UserError, "January close"):
            app.invoice_id.action_post()
        # a release dated today in a frozen period neither
        today = fields.Date.context_today(app)
        self.env["integration.freeze"].create(
            {
                "name": "Today",
                "company_id": self.env.company.id,
                "date_from": today,
                "date_to": today,
            }
        )
        with self.assertRaisesRegex(UserError, "frozen period Today"):
            self.release(1)
