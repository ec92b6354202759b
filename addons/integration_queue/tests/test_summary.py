from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDiscrepancySummary(TransactionCase):
    """Discrepancies in plain words: one sentence per exception reason and per
    check, deterministic from the data; each owner gets a digest of their own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_vals = {
            "company_id": cls.env.company.id,
            "company_ids": [Command.set(cls.env.company.ids)],
        }
        cls.owner = new_test_user(
            cls.env,
            "summary_owner",
            groups="integration_queue.group_integration_user",
            email="owner@example.com",
            **company_vals,
        )
        cls.other = new_test_user(
            cls.env,
            "summary_other",
            groups="integration_queue.group_integration_user",
            email="other@example.com",
            **company_vals,
        )
        cls.Exception = cls.env["integration.exception"]
        cls.Summary = cls.env["integration.summary"]
        # only this test's discrepancies
        cls.Exception.search([("state", "in", ("open", "in_progress"))]).write(
            {"state": "cancelled"}
        )
        cls.env["integration.reconciliation.drift"].search([]).write(
            {"state": "ignored"}
        )

    def raise_(self, code, name, owner=None, **vals):
        return self.Exception.create(
            {
                "name": name,
                "reason_code": code,
                "owner_id": (owner or self.owner).id,
                **vals,
            }
        )

    def test_sentences_per_reason_and_check(self):
        self.raise_("stale_rate", "Rate A")
        self.raise_("stale_rate", "Rate B")
        self.raise_(
            "stale_rate", "Rate C", deadline="2020-01-01 00:00:00"
        )  # past its SLA
        self.raise_("bad_code", "Code X").action_cancel()
        check = self.env.ref("integration_queue.reconciliation_check_inbox")
        run = self.env["integration.reconciliation.run"].create(
            {"check_id": check.id, "company_id": self.env.company.id}
        )
        run._store_drift(
            [
                {"reference": "MSG-2", "message": "stuck"},
                {"reference": "MSG-1", "message": "stuck"},
            ]
        )
        exceptions, drifts = self.Summary._open_discrepancies()
        self.assertEqual(len(exceptions), 3)
        self.assertEqual(drifts.mapped("reference"), ["MSG-1", "MSG-2"])
        self.assertEqual(
            self.Summary._sentences(exceptions, drifts),
            [
                f"“{check.name}” found 2 difference(s): MSG-1 and MSG-2.",
                "3 open exception(s) “stale_rate”: Rate A, Rate B, and Rate C. "
                "1 past the SLA.",
            ],
        )
        text = self.Summary._summary()
        self.assertTrue(text.startswith(f"• “{check.name}”"), text)
        self.assertEqual(text, self.Summary._summary(), "deterministic")

    def test_long_lists_name_a_few_and_count_the_rest(self):
        for number in range(5):
            self.raise_("stale_rate", f"Rate {number}")
        [sentence] = self.Summary._sentences(*self.Summary._open_discrepancies())
        self.assertIn("Rate 0, Rate 1, Rate 2, and 2 more.", sentence)

    def test_nothing_open_says_so(self):
        self.assertEqual(self.Summary._summary(), "No open discrepancy.")

    def test_a_period_keeps_what_was_raised_in_it(self):
        old = self.raise_("stale_rate", "Old")
        self.raise_("stale_rate", "New")
        self.env.cr.execute(
            "UPDATE integration_exception SET create_date = '2026-01-15 10:00' "
            "WHERE id = %s",
            [old.id],
        )
        old.invalidate_recordset()
        january = self.Summary._summary(None, "2026-01-01", "2026-01-31")
        self.assertIn("“stale_rate”: Old.", january)
        self.assertNotIn("New", january)

    def test_each_owner_gets_a_digest_of_their_own(self):
        self.raise_("stale_rate", "Mine")
        self.raise_("stale_rate", "Theirs", owner=self.other)
        self.raise_("stale_rate", "Closed").action_cancel()
        mails = self.Summary._cron_send_digests()
        mine = mails.filtered(lambda m: self.owner.partner_id in m.recipient_ids)
        theirs = mails.filtered(lambda m: self.other.partner_id in m.recipient_ids)
        self.assertEqual((len(mine), len(theirs)), (1, 1))
        self.assertIn("“stale_rate”: Mine.", mine.body_html)
        self.assertNotIn("Theirs", mine.body_html)
        self.assertNotIn("Closed", mine.body_html)
        self.assertEqual(mine.subject, "Integration discrepancies to act on")
        # the text is escaped into the mail, never interpreted
        self.raise_("stale_rate", "<b>bold</b>", owner=self.other)
        theirs = self.Summary._cron_send_digests().filtered(
            lambda m: self.other.partner_id in m.recipient_ids
        )
        self.assertIn("&lt;b&gt;bold&lt;/b&gt;", theirs.body_html)

    def test_a_user_opts_out_of_the_digest_in_their_preferences(self):
        self.raise_("stale_rate", "Mine")
        self.raise_("stale_rate", "Theirs", owner=self.other)
        # a preference each user sets for themself, no one for another
        self.owner.with_user(self.owner).write({"integration_digest": False})
        with self.assertRaises(AccessError):
            self.other.with_user(self.owner).write({"integration_digest": False})
        recipients = self.Summary._cron_send_digests().recipient_ids
        self.assertNotIn(self.owner.partner_id, recipients)
        self.assertIn(self.other.partner_id, recipients)
        # in My Preferences
        form = self.env.ref("base.view_users_form_simple_modif")
        arch = (
            self.env["res.users"]
            .with_user(self.owner)
            .get_views([(form.id, "form")])["views"]["form"]["arch"]
        )
        self.assertIn('name="integration_digest"', arch)
        # the exception stays on the owner's worklist
        self.assertTrue(
            self.env["integration.exception"].search_count(
                [("owner_id", "=", self.owner.id), ("state", "=", "open")]
            )
        )

    def test_an_owner_reads_nothing_of_a_company_they_are_not_in(self):
        elsewhere = self.env["res.company"].create({"name": "Summary Elsewhere"})
        self.raise_("stale_rate", "Elsewhere", company_id=elsewhere.id)
        self.assertFalse(self.Summary._cron_send_digests())

    def test_the_cron_is_scheduled_daily(self):
        cron = self.env.ref("integration_queue.cron_discrepancy_digest")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        self.assertTrue(cron.active)

    def test_attack_nobody_files_a_discrepancy_under_a_record_of_their_choice(self):
        exception = self.raise_("stale_rate", "Mine").with_user(self.owner)
        partner = self.env["res.partner"].create({"name": "Someone's record"})
        for vals in (
            {"scope_model": "res.partner", "scope_id": partner.id},
            {"scope_id": partner.id},
        ):
            with self.assertRaises(UserError):
                exception.write(vals)
            with self.assertRaises(UserError):
                exception.create({"name": "x", "reason_code": "x", **vals})
            with self.assertRaises(UserError):
                exception.copy(vals)
        self.assertFalse(exception.scope_model)
        exception.copy()  # the scope is not copied: nothing given
