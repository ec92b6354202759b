# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import Command, _, api, fields, models
from odoo.tools import format_list

OPEN_STATES = ("open", "in_progress")
# references named in a sentence before "and N more"
NAMED = 3


class IntegrationSummary(models.AbstractModel):
    """Discrepancies said in plain words: one sentence per reconciliation check and
    per exception reason, in the reader's language (the context's), deterministic
    from the data. A check's implementation words its own drift
    (``_summarize``); an addon words its exception reasons by overriding
    ``_reason_sentence``; both fall back on a generic sentence."""

    _name = "integration.summary"
    _description = "Plain-Language Discrepancy Summary"

    @api.model
    def _open_discrepancies(self, scope=None, date_from=None, date_to=None):
        """Open exceptions (raised in the period) and the open drift of each
        check's latest run, about ``scope`` (a record, e.g. a job) when given."""
        domain = [("state", "in", OPEN_STATES)]
        if date_from:
            domain.append(("create_date", ">=", fields.Datetime.to_datetime(date_from)))
        if date_to:
            end = fields.Datetime.to_datetime(date_to)
            domain.append(("create_date", "<", end + timedelta(days=1)))
        Exceptions = self.env["integration.exception"]
        Drift = self.env["integration.reconciliation.drift"]
        exception_scope = drift_scope = []
        if scope is not None:
            exception_scope = self._scope_domain(scope, Exceptions._name)
            drift_scope = self._scope_domain(scope, Drift._name)
            if "company_id" in scope._fields and scope.company_id:
                # only what the scope's own companies raised
                company = [("company_id", "in", scope.company_id.ids)]
                exception_scope = exception_scope + company
                drift_scope = drift_scope + company
        exceptions = Exceptions.search(domain + exception_scope)
        checks = self.env["integration.reconciliation.check"].search([])
        drifts = Drift.search(
            [
                ("run_id", "in", checks.last_run_id.ids),
                ("state", "=", "open"),
                *drift_scope,
            ]
        )
        return exceptions, drifts

    @api.model
    def _scope_domain(self, scope, model_name):
        """What of ``model_name`` (exceptions, drift lines) concerns ``scope``:
        what was filed under it. An addon adds what concerns it otherwise."""
        return [("scope_model", "=", scope._name), ("scope_id", "in", scope.ids)]

    @api.model
    def _sentences(self, exceptions, drifts):
        sentences = []
        for check in drifts.check_id.sorted(lambda c: (c.sequence, c.id)):
            group = drifts.filtered(lambda d, check=check: d.check_id == check)
            sentences += self.env[check.implementation]._summarize(check, group)
        by_reason = defaultdict(lambda: exceptions.browse())
        for exc in exceptions:
            by_reason[exc.reason_code] |= exc
        for code in sorted(by_reason):
            sentences += self._reason_sentence(code, by_reason[code])
        return sentences

    @api.model
    def _reason_sentence(self, reason_code, exceptions):
        """One sentence for the open exceptions of one reason."""
        overdue = len(exceptions.filtered("overdue"))
        text = _(
            "%(count)s open exception(s) “%(reason)s”: %(names)s.",
            count=len(exceptions),
            reason=reason_code,
            names=self._named(exceptions.mapped("name")),
        )
        if overdue:
            text += " " + _("%(count)s past the SLA.", count=overdue)
        return [text]

    @api.model
    def _named(self, names):
        names = sorted(set(filter(None, names)))
        shown = names[:NAMED]
        if len(names) > NAMED:
            shown.append(_("%(count)s more", count=len(names) - NAMED))
        return format_list(self.env, shown)

    @api.model
    def _text(self, sentences):
        """The summary as text: a bullet per sentence, then the optional rewrite."""
        if not sentences:
            return _("No open discrepancy.")
        return self._rewrite("\n".join(f"• {sentence}" for sentence in sentences))

    @api.model
    def _rewrite(self, text):
        """The hook where a company that configured a language model may have the
        text reworded by it (an addon of its own overrides this). The text passed
        is complete and correct as it is: nothing here needs one."""
        return text

    @api.model
    def _summary(self, scope=None, date_from=None, date_to=None):
        exceptions, drifts = self._open_discrepancies(scope, date_from, date_to)
        return self._text(self._sentences(exceptions, drifts))

    # ------------------------------------------------------------------ digest
    @api.model
    def _digest_sections(self, user):
        """[(title, sentences)] for one reader, in the context's language: the
        open exceptions they own (in their companies); business addons add theirs."""
        exceptions = self.env["integration.exception"].search(
            [
                ("owner_id", "=", user.id),
                ("state", "in", OPEN_STATES),
                ("company_id", "in", user.company_ids.ids),
            ]
        )
        if not exceptions:
            return []
        drifts = self.env["integration.reconciliation.drift"]
        return [(_("Exceptions you own"), self._sentences(exceptions, drifts))]

    @api.model
    def _digest_readers(self):
        groups = self.env["integration.exception"]._read_group(
            [("state", "in", OPEN_STATES), ("owner_id", "!=", False)], ["owner_id"]
        )
        return self.env["res.users"].union(*(owner for (owner,) in groups))

    @api.model
    def _digest_body(self, user, sections):
        parts = [Markup("<p>%s</p>") % _("Hello %s,", user.name)]
        for title, sentences in sections:
            parts.append(Markup("<p><strong>%s</strong></p>") % title)
            items = Markup("").join(
                Markup("<li>%s</li>") % escape(sentence) for sentence in sentences
            )
            parts.append(Markup("<ul>%s</ul>") % items)
        return Markup("").join(parts)

    @api.model
    def _cron_send_digests(self):
        """One e-mail per reader with open discrepancies, in the reader's language.
        Returns the mails queued."""
        mails = self.env["mail.mail"]
        for user in self._digest_readers():
            if (
                user.share
                or not user.active
                or not user.partner_id.email
                or not user.integration_digest
            ):
                continue
            reader = self.with_context(lang=user.lang or self.env.lang)
            sections = reader._digest_sections(user)
            if not sections:
                continue
            mails |= mails.create(
                {
                    "subject": reader._digest_subject(),
                    "body_html": reader._digest_body(user, sections),
                    "recipient_ids": [Command.link(user.partner_id.id)],
                    "email_from": self.env.company.email_formatted
                    or user.company_id.email_formatted,
                    "auto_delete": True,
                }
            )
        return mails

    @api.model
    def _digest_subject(self):
        return _("Integration discrepancies to act on")
