# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one approval mechanism of the suite's documents.

State, approver and approval time change only inside the transition methods below
(submit, approve, reject, back to draft, and a document's own, such as posting):
they are private methods, which Odoo never serves over RPC, and they unlock the
protected fields for exactly their records with a context variable of the running
code, not with a context key (an RPC caller sets any context key it likes).
"""

import contextlib
import contextvars
from collections import defaultdict

from markupsafe import escape

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

SERVICE_GROUP = "integration_queue.group_integration_service"

# (model, id) of the documents a transition is changing now, in this thread
_UNLOCKED = contextvars.ContextVar(
    "construction_approval_unlocked", default=frozenset()
)


def check_derived_fields(model, names):
    """Refuse values for fields the ORM derives (computed or related, read-only,
    no inverse): ``write`` would store them as given, out of step with what they
    come from (a change order line's state, a document's total)."""
    for name in names:
        field = model._fields.get(name)
        if field and field.compute and field.readonly and not field.inverse:
            raise UserError(
                _(
                    "%(field)s of %(model)s is worked out from other values and "
                    "cannot be written.",
                    field=field.string,
                    model=model._description,
                )
            )


class ConstructionApprovalMixin(models.AbstractModel):
    """A document that is prepared, submitted and approved.

    A document declares its states and fields (the ``_approval_*`` attributes) and,
    by overriding ``_approval_amount``, ``_approval_job`` and ``_approval_preparers``,
    what its approval rules read and who may not approve it. The mechanism then
    guarantees:

    - the protected fields (state, approver, approval time, preparer...) are written
      by transitions only; ``create`` accepts them only at their initial value;
    - a document in a locked state refuses every write but chatter and free notes,
      and cannot be deleted; its lines (see construction.approval.line.mixin)
      refuse create, write and unlink;
    - a change of its figures sends a document awaiting approval back to draft and
      voids the approvals it had received; whoever changes them becomes a preparer;
    - approval needs every rule that applies (construction.approval.rule), each by
      a different user of the rule's group who is not a preparer and not a
      system's service user; each approval is kept as a read-only entry.
    """

    _name = "construction.approval.mixin"
    _description = "Approvable Document"

    # state values of the document (its ``state`` field keeps its own selection)
    _approval_draft_state = "draft"
    _approval_pending_states = ("draft",)  # where approvals are given
    _approval_approved_state = "approved"
    _approval_locked_states = ("approved",)
    # states whose documents cannot be deleted (default: the locked ones)
    _approval_kept_states = None
    # the default approver group when no rule applies
    _approval_group = "construction_project_sync.group_project_approver"
    # fields whose change on a document awaiting approval voids its approvals
    _approval_figure_fields = ()
    # besides chatter, what may still change on a locked document
    _approval_free_fields = ()
    # written by transitions only, besides the mixin's own fields
    _approval_extra_protected_fields = ()

    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    approved_at = fields.Datetime(readonly=True, copy=False)
    submitted_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    submitted_at = fields.Datetime(readonly=True, copy=False)
    approval_preparer_ids = fields.Many2many(
        "res.users",
        string="Prepared By",
        readonly=True,
        copy=False,
        help="Who created, changed or submitted the document: none of them may "
        "approve it.",
    )
    approval_round = fields.Integer(
        readonly=True,
        copy=False,
        help="Increases each time the document goes back to draft: approvals given "
        "in an earlier round no longer count.",
    )
    approval_entry_ids = fields.Many2many(
        "construction.approval.entry",
        string="Approvals",
        compute="_compute_approval_entry_ids",
    )
    approval_todo = fields.Char(
        string="Approvals Still Needed", compute="_compute_approval_entry_ids"
    )

    # ------------------------------------------------------------------ unlock
    @contextlib.contextmanager
    def _approval_unlock(self):
        """Let the code inside write the protected fields of these records."""
        token = _UNLOCKED.set(
            _UNLOCKED.get() | {(self._name, record_id) for record_id in self.ids}
        )
        try:
            yield
        finally:
            _UNLOCKED.reset(token)

    def _approval_is_unlocked(self):
        unlocked = _UNLOCKED.get()
        return all((self._name, record_id) in unlocked for record_id in self.ids)

    def _approval_write(self, vals):
        """The transitions' write: protected fields and locked records allowed."""
        with self._approval_unlock():
            return self.write(vals)

    @api.model
    def _approval_protected_fields(self):
        return {
            "state",
            "approved_by_id",
            "approved_at",
            "submitted_by_id",
            "submitted_at",
            "approval_preparer_ids",
            "approval_round",
            *self._approval_extra_protected_fields,
        }

    @api.model
    def _approval_initial_state(self):
        return self._fields["state"].default(self)

    @api.model
    def _approval_state_label(self, state):
        return dict(self._fields["state"]._description_selection(self.env)).get(
            state, state
        )

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        protected = self._approval_protected_fields()
        initial = self._approval_initial_state()
        # a default_ context key fills a field inside create, past the check below
        defaults = {
            name: self.env.context[f"default_{name}"]
            for name in protected
            if f"default_{name}" in self.env.context
        }
        for vals in vals_list:
            check_derived_fields(self, vals)
            given = {**defaults, **vals}
            for name in protected & set(given):
                if given[name] and not (name == "state" and given[name] == initial):
                    raise UserError(
                        _(
                            "%(document)s cannot be created with %(field)s set: it "
                            "starts as %(state)s and changes only by its buttons.",
                            document=self._description,
                            field=self._fields[name].string,
                            state=self._approval_state_label(initial),
                        )
                    )
            vals["approval_preparer_ids"] = [Command.link(self.env.uid)]
            if initial in self._approval_pending_states and initial != (
                self._approval_draft_state
            ):
                # created awaiting approval (field time): creating is submitting
                vals["submitted_by_id"] = self.env.uid
                vals["submitted_at"] = fields.Datetime.now()
        return super().create(vals_list)

    def write(self, vals):
        if not self._approval_is_unlocked():
            self._approval_check_write(vals)
        result = super().write(vals)
        if set(vals) & set(self._approval_figure_fields):
            self._approval_figures_changed()
        return result

    def _approval_check_write(self, vals):
        check_derived_fields(self, vals)
        protected = self._approval_protected_fields() & set(vals)
        if protected:
            raise UserError(
                _(
                    "%(field)s of %(document)s changes only through its buttons "
                    "(submit, approve, reject...), never by a direct write.",
                    field=self._fields[sorted(protected)[0]].string,
                    document=self._description,
                )
            )
        locked = self.filtered(lambda r: r.state in self._approval_locked_states)
        if locked and not all(
            name.startswith(("message_", "activity_"))
            or name in self._approval_free_fields
            for name in vals
        ):
            raise UserError(
                _(
                    "%(document)s is %(state)s and locked: it can no longer change.",
                    document=locked[0].display_name,
                    state=self._approval_state_label(locked[0].state).lower(),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approval_locked(self):
        kept = self._approval_kept_states or self._approval_locked_states
        locked = self.filtered(lambda r: r.state in kept)
        if locked:
            raise UserError(
                _(
                    "%(document)s is %(state)s and is kept: it cannot be deleted.",
                    document=locked[0].display_name,
                    state=self._approval_state_label(locked[0].state).lower(),
                )
            )

    def _approval_figures_changed(self):
        """The figures of these documents changed: whoever changed them prepared
        them, and approvals already given no longer hold."""
        if self._approval_is_unlocked():
            return  # a transition's own bookkeeping (a refresh from the job)
        user = self.env.user
        new_preparer = self.filtered(lambda r: user not in r.approval_preparer_ids)
        if new_preparer:
            new_preparer._approval_write(
                {"approval_preparer_ids": [Command.link(user.id)]}
            )
        awaiting = self.filtered(lambda r: r.state in self._approval_pending_states)
        if not awaiting:
            return
        approved_some = set(self._approval_current_entries(awaiting).mapped("res_id"))
        back = awaiting.filtered(
            lambda r: r.state != self._approval_draft_state or r.id in approved_some
        )
        if back:
            back._approval_back_to_draft(
                _("Figures changed by %s: back to draft, approvals to give again.")
                % user.name
            )

    # ------------------------------------------------------------------ rules
    def _approval_amount(self):
        """The amount approval rules compare with their minimum."""
        self.ensure_one()
        return 0.0

    def _approval_job(self):
        self.ensure_one()
        return self.job_id

    def _approval_preparers(self):
        """Users who may not approve this document (its creator too, for documents
        created before preparers were recorded)."""
        self.ensure_one()
        return self.approval_preparer_ids | self.submitted_by_id | self.create_uid

    def _approval_required_rules(self):
        """{document: the rules it needs, in order}; an empty recordset means one
        approval by the document's default group."""
        # sudo: rules bind every approver, whether or not they may read them
        rules = (
            self.env["construction.approval.rule"]
            .sudo()
            .search([("res_model", "=", self._name)], order="sequence, id")
        )
        result = {}
        for record in self:
            amount = abs(record._approval_amount())
            job = record._approval_job()
            currency = record.currency_id or self.env.company.currency_id
            result[record] = rules.filtered(
                lambda rule, record=record, amount=amount, job=job, currency=currency: (
                    (not rule.company_id or rule.company_id == record.company_id)
                    and (not rule.job_id or rule.job_id == job)
                    and currency.compare_amounts(amount, rule.min_amount) >= 0
                )
            )
        return result

    @api.model
    def _approval_current_entries(self, records):
        # sudo: the entries are the mechanism's own record of who approved
        return (
            self.env["construction.approval.entry"]
            .sudo()
            .search([("res_model", "=", records._name), ("res_id", "in", records.ids)])
            .filtered(
                lambda entry: entry.round == records.browse(entry.res_id).approval_round
            )
        )

    @api.depends("approval_round", "state")
    def _compute_approval_entry_ids(self):
        entries = self.env["construction.approval.entry"]
        if self.ids:
            entries = entries.sudo().search(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)]
            )
        by_record = defaultdict(lambda: entries.browse())
        for entry in entries:
            by_record[entry.res_id] |= entry
        required = self._approval_required_rules() if self.ids else {}
        for record in self:
            record_entries = by_record[record.id]
            record.approval_entry_ids = record_entries.with_env(self.env)
            if record.state not in self._approval_pending_states:
                record.approval_todo = False
                continue
            current = record_entries.filtered(
                lambda e, record=record: e.round == record.approval_round
            )
            rules = required.get(record) or self.env["construction.approval.rule"]
            if rules:
                missing = rules - current.rule_id
                record.approval_todo = ", ".join(
                    f"{rule.name} ({rule.group_id.name})" for rule in missing
                )
            else:
                record.approval_todo = (
                    False
                    if current
                    else _("One approval (%s)")
                    % self.env.ref(self._approval_group).name
                )

    # ------------------------------------------------------------------ checks
    def _approval_check_state(self, states, action):
        wrong = self.filtered(lambda r: r.state not in states)
        if wrong:
            raise UserError(
                _(
                    "%(document)s is %(state)s: only %(states)s can be %(action)s.",
                    document=wrong[0].display_name,
                    state=self._approval_state_label(wrong[0].state).lower(),
                    states=", ".join(
                        self._approval_state_label(s).lower() for s in states
                    ),
                    action=action,
                )
            )

    def _approval_check_approver(self, groups=None):
        """The current user may decide on these documents: a person of one of
        ``groups`` (default: the document's approver group), not a system, not one
        who prepared them."""
        self.check_access("write")
        user = self.env.user
        if user.has_group(SERVICE_GROUP):
            raise UserError(
                _("%s is decided by a person, never by a system.", self._description)
            )
        default = self.env.ref(self._approval_group)
        if not (groups or default) & user.groups_id:
            raise UserError(
                _(
                    "Only a user of the group %(group)s may do this on %(document)s.",
                    group=default.name,
                    document=self._description,
                )
            )
        own = self.filtered(lambda r: user in r._approval_preparers())
        if own:
            raise UserError(
                _(
                    "You prepared %s: another person must approve or reject it.",
                    own[0].display_name,
                )
            )

    def _approval_approver_groups(self, required=None):
        """The groups whose users may give some approval to these documents."""
        required = required or self._approval_required_rules()
        return self.env["construction.approval.rule"].concat(
            *required.values()
        ).group_id | self.env.ref(self._approval_group)

    # ------------------------------------------------------------------ transitions
    def _approval_submit(self, to_state):
        """Submit drafts for approval: the submitter is a preparer."""
        self.check_access("write")
        self._approval_check_state([self._approval_draft_state], _("submitted"))
        self._approval_write(
            {
                "state": to_state,
                "submitted_by_id": self.env.uid,
                "submitted_at": fields.Datetime.now(),
                "approval_preparer_ids": [Command.link(self.env.uid)],
            }
        )

    def _approval_approve(self):
        """Record the current user's approval on each document; those that have
        every approval they need move to the approved state. Returns them."""
        self._approval_check_state(self._approval_pending_states, _("approved"))
        required = self._approval_required_rules()
        self._approval_check_approver(self._approval_approver_groups(required))
        user = self.env.user
        current = self._approval_current_entries(self)
        default_group = self.env.ref(self._approval_group)
        entries_vals, logs, done = [], {}, self.browse()
        for record in self:
            given = current.filtered(lambda e, record=record: e.res_id == record.id)
            if user in given.user_id:
                raise UserError(
                    _(
                        "You approved %s already: the next approval is another "
                        "person's.",
                        record.display_name,
                    )
                )
            rules = required[record]
            if rules:
                missing = rules - given.rule_id
                rule = missing.filtered(lambda r: r.group_id in user.groups_id)[:1]
                if not rule:
                    raise UserError(
                        _(
                            "%(document)s waits for %(rules)s; you are not in the "
                            "group of any of them.",
                            document=record.display_name,
                            rules=", ".join(
                                f"{r.name} ({r.group_id.name})" for r in missing
                            ),
                        )
                    )
                needed, position = len(rules), len(given) + 1
            else:
                rule = rules
                if default_group not in user.groups_id:
                    raise UserError(
                        _(
                            "Only a user of the group %(group)s may approve "
                            "%(document)s.",
                            group=default_group.name,
                            document=record.display_name,
                        )
                    )
                needed = position = 1
            entries_vals.append(
                {
                    "res_model": self._name,
                    "res_id": record.id,
                    "rule_id": rule.id,
                    "user_id": user.id,
                    "round": record.approval_round,
                    "company_id": record.company_id.id,
                }
            )
            logs[record.id] = _(
                "Approval %(position)s of %(needed)s given by %(user)s%(rule)s.",
                position=position,
                needed=needed,
                user=user.name,
                rule=f" ({rule.name})" if rule else "",
            )
            if position >= needed:
                done |= record
        # sudo: approvers may not create entries themselves; only this transition
        # records them, after the checks above
        self.env["construction.approval.entry"].sudo().create(entries_vals)
        self.invalidate_recordset(["approval_entry_ids", "approval_todo"])
        self._approval_log(logs)
        if done:
            done._approval_write(
                {
                    "state": self._approval_approved_state,
                    "approved_by_id": user.id,
                    "approved_at": fields.Datetime.now(),
                }
            )
        return done

    def _approval_reject(self, to_state, reason, from_states=None):
        """An approver turns the documents down, saying why: the reason is noted
        and kept on each (``rejection_reason``, where the document has one)."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Say why the %s is rejected.", self._description.lower()))
        self._approval_check_state(
            from_states or self._approval_pending_states, _("rejected")
        )
        # whoever may give an approval the documents need may turn them down
        self._approval_check_approver(self._approval_approver_groups())
        vals = {"state": to_state}
        if "rejection_reason" in self._fields:
            vals["rejection_reason"] = reason
        self._approval_next_round(vals)
        self._approval_log(
            dict.fromkeys(
                self.ids,
                _(
                    "Rejected by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
            )
        )

    def _approval_take_back(self):
        """An approver takes a rejection back: the documents wait for approval
        again."""
        self._approval_check_state(["rejected"], _("reset"))
        self._approval_check_approver()
        self._approval_back_to_draft(
            _("Taken back by %s: waiting for approval again.") % self.env.user.name
        )

    def action_open_reject_wizard(self):
        """Ask the reason, then reject (construction.approval.reject)."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_approval_reject"
        )
        action["context"] = {
            "default_res_model": self._name,
            "default_res_ids": self.ids,
        }
        return action

    def _approval_back_to_draft(self, note=None):
        """Back to draft: approvals given so far no longer count."""
        vals = {"state": self._approval_draft_state}
        if self._approval_draft_state not in self._approval_pending_states:
            vals.update(submitted_by_id=False, submitted_at=False)
        self._approval_next_round(vals)
        if note:
            self._approval_log(dict.fromkeys(self.ids, note))

    def _approval_next_round(self, vals):
        """Write ``vals`` and start a new approval round, in one write per round
        value."""
        by_round = defaultdict(lambda: self.browse())
        for record in self:
            by_round[record.approval_round] |= record
        for round_, records in by_round.items():
            records._approval_write(dict(vals, approval_round=round_ + 1))

    def _approval_log(self, texts):
        """Notes in the documents' chatter, {id: text}, in one batch."""
        if texts:
            self.browse(list(texts))._message_log_batch(
                {record_id: escape(text) for record_id, text in texts.items()}
            )
