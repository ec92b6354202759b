# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class IntegrationFreeze(models.Model):
    """A period-close freeze: financial flows dated inside it wait until it lifts."""

    _name = "integration.freeze"
    _description = "Integration Period Freeze"
    _inherit = ["mail.thread"]
    _order = "date_from desc"

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(required=True, tracking=True)
    date_to = fields.Date(required=True, tracking=True)
    flow_ids = fields.Many2many(
        "integration.flow", string="Flows", help="Leave empty: every financial flow."
    )
    state = fields.Selection(
        [("active", "Frozen"), ("lifted", "Lifted")],
        default="active",
        required=True,
        tracking=True,
    )
    deferred_count = fields.Integer(compute="_compute_deferred_count")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for freeze in self:
            if freeze.date_to < freeze.date_from:
                raise ValidationError(_("A freeze cannot end before it starts."))

    def _compute_deferred_count(self):
        count = self.env["integration.message"].search_count(
            [("state", "=", "deferred")]
        )
        for freeze in self:
            freeze.deferred_count = count

    @api.model
    def _freeze_domain(self, company, date_from, date_to, flow=None):
        """Active freezes of ``company`` over any day from ``date_from`` to
        ``date_to`` that bind ``flow`` (or a person's posting, without)."""
        flow_domain = [("flow_ids", "=", False)]
        if flow:
            flow_domain = ["|", *flow_domain, ("flow_ids", "in", flow.ids)]
        return [
            ("company_id", "=", company.id),
            ("state", "=", "active"),
            ("date_from", "<=", date_to),
            ("date_to", ">=", date_from),
            *flow_domain,
        ]

    @api.model
    def _lock_date(self, company):
        """The latest of Odoo's hard and fiscal-year lock dates, or None."""
        locks = [
            company.sudo()[name]
            for name in ("hard_lock_date", "fiscalyear_lock_date")
            if company._fields.get(name) and company.sudo()[name]
        ]
        return max(locks) if locks else None

    @api.model
    def _frozen_cause(self, company, date, flow=None):
        """What keeps money dated ``date`` out of ``company``'s books now, or None:
        (cause, what lifts it), in words for people.

        The one posting check of the suite: every path that writes money (a flow's
        processor with ``flow``, a person's posting without) asks it, through
        _frozen_reason (a flow's message is deferred) or _check_posting (a person
        is refused). A freeze with no flows listed covers every path; one listing
        flows covers only them."""
        # sudo: freezes and lock dates bind every poster, whatever they may read
        freeze = self.sudo().search(
            self._freeze_domain(company, date, date, flow), limit=1
        )
        if freeze:
            return (
                _(
                    "%(date)s falls in the frozen period %(name)s (%(start)s to "
                    "%(end)s)",
                    date=date,
                    name=freeze.name,
                    start=freeze.date_from,
                    end=freeze.date_to,
                ),
                _("the freeze is lifted"),
            )
        # Odoo's own lock dates, when accounting is installed
        for field_name in ("hard_lock_date", "fiscalyear_lock_date"):
            lock = company._fields.get(field_name) and company.sudo()[field_name]
            if lock and date <= lock:
                return (
                    _(
                        "%(date)s is on or before the %(what)s (%(lock)s) of "
                        "%(company)s",
                        date=date,
                        what=company._fields[field_name].string.lower(),
                        lock=lock,
                        company=company.name,
                    ),
                    _("the period is opened again"),
                )
        return None

    @api.model
    def _frozen_reason(self, company, date, flow=None):
        """Why a message dated ``date`` waits (deferred), or None."""
        cause = self._frozen_cause(company, date, flow)
        if not cause:
            return None
        return _(
            "%(cause)s; the message waits until %(until)s.",
            cause=cause[0],
            until=cause[1],
        )

    @api.model
    def _check_posting(self, company, dates, flow=None):
        """Raise a UserError when any of ``dates`` may not be posted for
        ``company``: a person's posting is refused with the reason, never forced."""
        dates = sorted(set(dates))
        if not dates:
            return
        # the usual answer, open, in one query for every date (a posting of many
        # lines asks once; its analytic lines' writes ask again for each line)
        lock = self._lock_date(company)
        if not (lock and dates[0] <= lock) and not self.sudo().search_count(
            self._freeze_domain(company, dates[0], dates[-1], flow), limit=1
        ):
            return
        for date in dates:
            cause = self._frozen_cause(company, date, flow)
            if cause:
                raise UserError(
                    _(
                        "This cannot be posted: %(cause)s. Date it in an open "
                        "period, or post it once %(until)s.",
                        cause=cause[0],
                        until=cause[1],
                    )
                )

    def action_lift(self):
        self.write({"state": "lifted"})
        released = self.env["integration.message"]._cron_release_deferred()
        for freeze in self:
            freeze.message_post(
                body=_("Freeze lifted; %s deferred message(s) went back to the queue.")
                % released
            )

    def action_reactivate(self):
        self.write({"state": "active"})
