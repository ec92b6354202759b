# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .integration_flow import SLA_HOURS


class IntegrationException(models.Model):
    """A business problem someone must act on, with an owner and a deadline."""

    _name = "integration.exception"
    _description = "Integration Exception"
    _inherit = ["mail.thread", "mail.activity.mixin", "integration.scoped.mixin"]
    _order = "state_sequence, deadline, id desc"

    name = fields.Char(required=True, tracking=True)
    reason_code = fields.Char(required=True, index=True)
    description = fields.Text(string="What happened")
    message_id = fields.Many2one("integration.message", ondelete="set null", index=True)
    flow_id = fields.Many2one("integration.flow", ondelete="set null")
    system_id = fields.Many2one("integration.system", ondelete="set null")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    res_model = fields.Char(string="Model")
    res_id = fields.Many2oneReference(string="Record", model_field="res_model")
    owner_id = fields.Many2one("res.users", tracking=True)
    criticality = fields.Selection(
        [
            ("low", "Low"),
            ("normal", "Normal"),
            ("high", "High"),
            ("critical", "Critical"),
        ],
        default="normal",
    )
    deadline = fields.Datetime(string="SLA Deadline", tracking=True)
    state = fields.Selection(
        [
            ("open", "Open"),
            ("in_progress", "In Progress"),
            ("resolved", "Resolved"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        tracking=True,
    )
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    resolution_note = fields.Text(tracking=True)
    dead_letter = fields.Boolean(
        readonly=True,
        help="Raised because its message went to the dead letter; resolved by "
        "itself when a replay of the message goes through.",
    )
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    suggested_owner_id = fields.Many2one(
        "res.users",
        readonly=True,
        help="Who resolved most exceptions like this one (same reason, same flow) in "
        "the last year. A suggestion only: it assigns nothing by itself and never "
        "posts, approves or releases anything.",
    )
    suggestion_basis = fields.Char(readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    escalated = fields.Boolean(readonly=True, tracking=True)
    overdue = fields.Boolean(compute="_compute_overdue", search="_search_overdue")

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"open": 1, "in_progress": 2, "resolved": 3, "cancelled": 4}
        for exc in self:
            exc.state_sequence = order[exc.state]

    def _compute_overdue(self):
        now = fields.Datetime.now()
        for exc in self:
            exc.overdue = (
                exc.state in ("open", "in_progress")
                and exc.deadline
                and exc.deadline < now
            )

    def _search_overdue(self, operator, value):
        domain = [
            ("state", "in", ("open", "in_progress")),
            ("deadline", "<", fields.Datetime.now()),
        ]
        positive = (operator == "=") == bool(value)
        return domain if positive else ["!", "&", *domain]

    @api.model_create_multi
    def create(self, vals_list):
        self._suggest_owner(vals_list)
        exceptions = super().create(vals_list)
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": exc.id,
                    "activity_type_id": activity_type.id,
                    "summary": exc.name[:100],
                    "note": exc.description,
                    "user_id": exc.owner_id.id,
                    "date_deadline": (exc.deadline or fields.Datetime.now()).date(),
                }
                for exc in exceptions
                if exc.owner_id
            ]
        )
        return exceptions

    @api.model
    def _suggest_owner(self, vals_list):
        """Learn from history who handles exceptions like these: the person who
        resolved most of the last year's resolved exceptions with the same reason
        code and flow (or the same reason code, when the flow has no history), if
        they did at least two and at least half of them."""
        since = fields.Datetime.now() - timedelta(days=365)
        learnt = {}
        for vals in vals_list:
            key = (vals.get("reason_code"), vals.get("flow_id") or False)
            if not key[0]:
                continue
            if key not in learnt:
                learnt[key] = self._learn_owner(*key, since)
            user_id, done, total = learnt[key]
            if user_id:
                vals["suggested_owner_id"] = user_id
                vals["suggestion_basis"] = _(
                    "Resolved %(done)s of the last %(total)s like it",
                    done=done,
                    total=total,
                )

    @api.model
    def _learn_owner(self, reason_code, flow_id, since):
        for by_flow in (True, False) if flow_id else (False,):
            self.env.cr.execute(
                """
                SELECT resolved_by_id, count(*), sum(count(*)) OVER ()
                  FROM integration_exception
                 WHERE state = 'resolved' AND reason_code = %s
                   AND resolved_by_id IS NOT NULL AND resolved_at >= %s
                   AND (NOT %s OR flow_id = %s)
                 GROUP BY resolved_by_id
                 ORDER BY count(*) DESC, resolved_by_id
                 LIMIT 1
                """,
                (reason_code, since, by_flow, flow_id or None),
            )
            row = self.env.cr.fetchone()
            if row:
                user_id, done, total = row
                if done >= 2 and 2 * done >= total:
                    return user_id, done, int(total)
                return None, 0, 0
        return None, 0, 0

    def action_assign_suggested_owner(self):
        for exc in self.filtered("suggested_owner_id"):
            exc.owner_id = exc.suggested_owner_id

    @api.model
    def _owner_for(self, flow, system):
        if flow and flow.owner_user_id:
            return flow.owner_user_id
        if flow and flow.owner_group_id.users:
            return flow.owner_group_id.users[:1]
        if not system:
            return self.env["res.users"]
        return system.business_owner_id or system.technical_owner_id

    @api.model
    def _raise(
        self,
        reason_code,
        text,
        message=None,
        record=None,
        system=None,
        flow=None,
        owner=None,
        company=None,
    ):
        """Open an exception. One found in Odoo rather than in a message (a vendor
        policy met while ordering) names its ``owner`` and ``company``."""
        flow = flow or (message and message.flow_id)
        system = system or (message and message.system_id)
        company = company or (system.company_id if system else self.env.company)
        criticality = flow.criticality if flow else "normal"
        hours = flow.sla_hours if flow else SLA_HOURS[criticality]
        return self.create(
            {
                "name": text.splitlines()[0][:200] if text else reason_code,
                "reason_code": reason_code,
                "description": text,
                "message_id": message.id if message else False,
                "flow_id": flow.id if flow else False,
                "system_id": system.id if system else False,
                "company_id": company.id,
                "res_model": record._name if record else False,
                "res_id": record.id if record else False,
                "owner_id": (owner or self._owner_for(flow, system)).id,
                "criticality": criticality,
                "deadline": fields.Datetime.now() + timedelta(hours=hours),
            }
        )

    @api.model
    def _raise_for_dead_messages(self, messages):
        vals_list = []
        now = fields.Datetime.now()
        for message in messages:
            flow = message.flow_id
            vals_list.append(
                {
                    "name": _("%(flow)s from %(system)s could not be processed")
                    % {"flow": flow.name, "system": message.system_id.name},
                    "reason_code": message.error_code or "dead_letter",
                    "dead_letter": True,
                    "description": message.error_message,
                    "message_id": message.id,
                    "flow_id": flow.id,
                    "system_id": message.system_id.id,
                    "company_id": message.company_id.id,
                    "owner_id": self._owner_for(flow, message.system_id).id,
                    "criticality": flow.criticality,
                    "deadline": now + timedelta(hours=flow.sla_hours),
                }
            )
        return self.create(vals_list)

    def _resolve_dead_letters(self, messages):
        """A message that went through on replay needs nobody any more: its dead
        letter exceptions close, saying so (what the processing itself reported
        stays open)."""
        # sudo: the hub's own bookkeeping, run for whoever replayed the message
        exceptions = self.sudo().search(
            [
                ("message_id", "in", messages.ids),
                ("dead_letter", "=", True),
                ("state", "in", ("open", "in_progress")),
            ]
        )
        if not exceptions:
            return
        exceptions.write(
            {
                "state": "resolved",
                "resolution_note": _("The message was processed on replay."),
                "resolved_by_id": self.env.uid,
                "resolved_at": fields.Datetime.now(),
            }
        )
        exceptions.activity_ids.action_feedback(feedback=_("Processed on replay"))

    def action_start(self):
        self.filtered(lambda e: e.state == "open").write({"state": "in_progress"})

    def action_resolve(self):
        for exc in self:
            if not exc.resolution_note:
                raise UserError(
                    _("Say how %s was resolved before closing it.") % exc.name
                )
        self.write(
            {
                "state": "resolved",
                "resolved_by_id": self.env.uid,
                "resolved_at": fields.Datetime.now(),
            }
        )
        self.activity_ids.action_feedback(feedback=_("Resolved"))

    def action_cancel(self):
        self.write({"state": "cancelled"})
        self.activity_ids.unlink()

    def action_replay_message(self):
        messages = self.message_id
        if not messages:
            raise UserError(_("These exceptions have no message to replay."))
        messages.action_replay()
        self.filtered(lambda e: e.state == "open").write({"state": "in_progress"})

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    @api.model
    def _cron_escalate(self):
        """Overdue exceptions escalate once: to the flow's owner group and the
        system's technical owner, with a note in the chatter."""
        overdue = self.search([("overdue", "=", True), ("escalated", "=", False)])
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for exc in overdue:
            targets = (
                exc.flow_id.owner_group_id.users | exc.system_id.technical_owner_id
            ) - exc.owner_id
            for user in targets[:5]:
                exc.activity_schedule(
                    activity_type_id=activity_type.id,
                    summary=_("Escalated: %s") % exc.name[:80],
                    user_id=user.id,
                )
            exc.message_post(
                body=_("SLA deadline %s passed; escalated.") % exc.deadline,
                subtype_xmlid="mail.mt_note",
            )
        overdue.write({"escalated": True})
        return len(overdue)
