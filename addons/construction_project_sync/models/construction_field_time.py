# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import statistics
from collections import Counter, defaultdict
from datetime import timedelta

from markupsafe import escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from odoo.addons.integration_queue.lib.errors import IntegrationError
from odoo.addons.integration_queue.lib.processor import integration_processor

STATES = [
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("posted", "Posted"),
    ("rejected", "Rejected"),
]
# what a resubmission compares with the line it already holds
COMPARED_FIELDS = (
    "job_id",
    "phase_id",
    "cost_code_id",
    "employee_id",
    "date",
    "hours",
    "equipment_ref",
    "note",
)
SUPERVISOR_GROUP = "construction_project_sync.group_project_manager"
CONTROLLER_GROUP = "construction_project_sync.group_project_controller"


class ConstructionFieldTime(models.Model):
    """A time line from the field (crew app, PM platform), staged until a supervisor
    approves it.

    submitted → approved → posted, or submitted → rejected (the reason stays on the
    line). Approval posts at once: the line becomes an hr_timesheet analytic line on
    the job's account and the cost code's account, costed at the employee's hourly
    cost, so job cost shows it as labor actual. A line stays "approved" (not posted)
    only when posting failed (a frozen period, an archived employee); the
    reconciliation check "field_time.approved_not_posted" finds those, and its fix
    posts them as the supervisor who runs it.

    Supervisors (Project Manager group) approve and reject, per line or in bulk,
    through the approval mechanism (construction.approval.mixin): never their own
    time nor a line they created, changed or submitted, and a system's service user
    never approves. Approved and posted lines are locked; only a submitted or
    rejected line may change, and a corrected rejected line goes back to submitted.
    """

    _name = "construction.field.time"
    _description = "Field Time"
    _inherit = [
        "mail.thread",
        "integration.lineage.mixin",
        "construction.job.line.mixin",
        "construction.approval.mixin",
    ]
    _order = "date desc, employee_id, id"
    # a line arrives submitted: there is no draft
    _approval_draft_state = "submitted"
    _approval_pending_states = ("submitted",)
    _approval_locked_states = ("approved", "posted")
    _approval_group = SUPERVISOR_GROUP
    _approval_figure_fields = COMPARED_FIELDS
    _approval_extra_protected_fields = ("rejection_reason", "timesheet_id")

    employee_id = fields.Many2one(
        "hr.employee", required=True, ondelete="restrict", index=True
    )
    date = fields.Date(required=True, index=True, default=fields.Date.context_today)
    hours = fields.Float(required=True, digits=(16, 2))
    equipment_ref = fields.Char(
        string="Equipment",
        help="The field app's id of the equipment operated, if any; the equipment "
        "addon links it to its equipment record.",
    )
    note = fields.Char()
    state = fields.Selection(
        STATES,
        default="submitted",
        required=True,
        index=True,
        copy=False,
        readonly=True,
    )
    rejection_reason = fields.Text(
        copy=False,
        readonly=True,
        tracking=True,
        help="Why the supervisor rejected the line; kept when a corrected line is "
        "submitted again.",
    )
    timesheet_id = fields.Many2one(
        "account.analytic.line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        groups="construction_project_sync.group_project_controller",
        help="The analytic line (timesheet) posted for this line.",
    )
    batch_ref = fields.Char(
        string="Batch", index=True, copy=False, help="The field app's batch id."
    )
    line_ref = fields.Char(
        string="Line Reference",
        index=True,
        copy=False,
        help="The field app's id of the line; a resubmission under the same id "
        "updates the line, never duplicates it.",
    )

    @api.depends("employee_id.name", "date", "hours", "job_id.job_number")
    def _compute_display_name(self):
        for line in self:
            line.display_name = _(
                "%(employee)s, %(date)s, %(hours)s h on %(job)s",
                employee=line.employee_id.name or "",
                date=line.date or "",
                hours=f"{line.hours:g}",
                job=line.job_id.job_number or line.job_id.name or "",
            )

    @api.constrains("hours")
    def _check_hours(self):
        for line in self:
            if line.hours <= 0 or line.hours > 24:
                raise ValidationError(
                    _(
                        "%(line)s: hours must be more than 0 and at most 24 a line.",
                        line=line.display_name,
                    )
                )

    @api.constrains("job_id", "cost_code_id")
    def _check_job_structure(self):
        for line in self:
            job_company = line.job_id.company_id
            if job_company and line.cost_code_id.company_id != job_company:
                raise ValidationError(
                    _(
                        "Cost code %(code)s belongs to another company than job "
                        "%(job)s.",
                        code=line.cost_code_id.display_name,
                        job=line.job_id.display_name,
                    )
                )

    # ------------------------------------------------------------------ approval
    def _approval_preparers(self):
        """Nobody approves their own time, nor a line they sent or changed."""
        return super()._approval_preparers() | self.employee_id.user_id

    def _log(self, texts):
        """Notes in the lines' chatter, {line id: text}; in one batch, and without
        asking an email address of a supervisor or a system's service user."""
        if texts:
            self.browse(list(texts))._message_log_batch(
                {line_id: escape(text) for line_id, text in texts.items()}
            )

    def action_approve(self):
        """Approve submitted lines (one or many); the lines with every approval
        they need are posted at once."""
        failures = self._approval_approve()._post()
        if failures:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "sticky": True,
                    "title": _("Approved, but %s line(s) could not be posted")
                    % len(failures),
                    "message": "\n".join(
                        f"{line.display_name}: {error}"
                        for line, error in failures.items()
                    ),
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return True

    def action_reject(self, reason):
        """Reject submitted lines; the reason stays on each line. Posted lines a
        project controller rejects are unposted first (see _unpost)."""
        posted = self.filtered(lambda line: line.state == "posted")
        if posted:
            posted._unpost(reason)
        if self - posted:
            (self - posted)._approval_reject("rejected", reason)
        return True

    def _unpost(self, reason):
        """Take posted time back out of job cost: a project controller (never one
        of the line's preparers, never a system) removes its timesheet, in an open
        period only, and rejects the line with the reason. The field app's
        corrected resubmission, or a supervisor taking the rejection back, sends it
        through approval again."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Say why the posted time is taken back."))
        self._approval_check_state(["posted"], _("unposted"))
        self._approval_check_approver(self.env.ref(CONTROLLER_GROUP))
        # sudo: the timesheets are the employees' own (hr_timesheet's rules); the
        # controller's right to take back this time was checked above. Their
        # deletion asks the suite's posting check (freezes and lock dates).
        timesheets = self.sudo().timesheet_id
        self._approval_next_round(
            {"state": "rejected", "rejection_reason": reason, "timesheet_id": False}
        )
        timesheets.unlink()
        self._log(
            dict.fromkeys(
                self.ids,
                _(
                    "Unposted by %(user)s, its timesheet removed from job cost: "
                    "%(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
            )
        )

    def action_reset_to_submitted(self):
        """A supervisor takes a rejection back: the line waits for approval again."""
        self._approval_take_back()
        return True

    def action_post(self):
        """Post approved lines whose posting failed before: a supervisor's act,
        as for approval (never a system, never one's own time)."""
        self._approval_check_state(["approved"], _("posted"))
        self._approval_check_approver()
        self._post(raise_on_error=True)
        return True

    # ------------------------------------------------------------------ posting
    @api.model
    def _cost_code_column(self):
        return self.env.ref(
            "construction_project_sync.analytic_plan_cost_codes"
        )._column_name()

    def _timesheet_vals(self, column):
        self.ensure_one()
        name = self.cost_code_id.display_name
        if self.phase_id:
            name = f"{self.phase_id.code} / {name}"
        return {
            "name": f"{name}: {self.note}" if self.note else name,
            "project_id": self.job_id.id,
            "company_id": self.company_id.id,
            "employee_id": self.employee_id.id,
            "date": self.date,
            "unit_amount": self.hours,
            column: self.cost_code_id.analytic_account_id.id,
            "construction_cost_type": "labor",
        }

    def _create_timesheets(self):
        """hr_timesheet lines of these approved lines, one create per company."""
        column = self._cost_code_column()
        # sudo: the supervisor approves the crew's time, not their own: hr_timesheet's
        # rules let a timesheet user create only their own timesheets, and the hourly
        # cost behind the amount is HR data. What is posted is exactly the approved
        # line, which the supervisor may read.
        lines = self.sudo()
        by_company = defaultdict(lambda: lines.browse())
        for line in lines:
            by_company[line.company_id] |= line
        for company, company_lines in by_company.items():
            # the suite's one posting check: freezes and lock dates
            self.env["integration.freeze"]._check_posting(
                company, company_lines.mapped("date")
            )
            # hr_timesheet accepts only employees of the companies in the context
            allowed = company | company_lines.employee_id.company_id
            timesheets = (
                self.env["account.analytic.line"]
                .sudo()
                .with_context(allowed_company_ids=allowed.ids)
                .create([line._timesheet_vals(column) for line in company_lines])
            )
            with company_lines._approval_unlock():
                for line, timesheet in zip(company_lines, timesheets, strict=True):
                    line.timesheet_id = timesheet
        self._approval_write({"state": "posted"})

    def _post(self, raise_on_error=False):
        """Post the approved lines without a timesheet. All at once when that works;
        otherwise line by line, so one bad line (an archived employee, say) does not
        hold up the others: it stays approved, with the reason in its chatter.

        Returns {line: error} of the lines that could not be posted."""
        lines = self.filtered(
            lambda line: line.state == "approved" and not line.sudo().timesheet_id
        )
        if not lines:
            return {}
        failures = {}
        try:
            with self.env.cr.savepoint():
                lines._create_timesheets()
        except (UserError, ValidationError) as exc:
            if raise_on_error:
                raise
            if len(lines) == 1:
                failures[lines] = str(exc)
            else:
                for line in lines:
                    try:
                        with self.env.cr.savepoint():
                            line._create_timesheets()
                    except (UserError, ValidationError) as line_exc:
                        failures[line] = str(line_exc)
        self._log(
            {
                line.id: _("Approved but not posted: %s", error)
                for line, error in failures.items()
            }
        )
        return failures

    # ------------------------------------------------------------------ flow
    @api.model
    @integration_processor("timesheet.batch")
    def _process_timesheet_batch(self, message, payload):
        """A batch of time lines from a field app: each line is staged (submitted)
        under its line_id. A resubmitted batch, under the same or another idempotency
        key, creates nothing twice; it may correct submitted or rejected lines, never
        approved or posted ones (an identical approved line is fine)."""
        batch_ref = str(payload["batch_id"])
        lines = payload["lines"]
        twice = [
            ref
            for ref, count in Counter(str(li["line_id"]) for li in lines).items()
            if count > 1
        ]
        if twice:
            raise IntegrationError(
                _(
                    "Batch %(batch)s holds line %(lines)s more than once; send each "
                    "line once.",
                    batch=batch_ref,
                    lines=", ".join(twice),
                ),
                code="duplicate_line",
                retryable=False,
            )
        jobs = self._flow_jobs(message, lines)
        employees = self._flow_employees(message, lines)
        flows = self.env["construction.sync.flows"]
        cost_codes = {
            ref: flows._cost_code(message, {"cost_code": ref})
            for ref in {line["cost_code"] for line in lines}
        }
        phases = {}
        values = {}
        for line in lines:
            job = jobs[self._job_key(line)]
            phase_key = (job, line.get("phase_code") or None)
            if phase_key not in phases:
                phases[phase_key] = flows._phase(*phase_key)
            values[str(line["line_id"])] = {
                "job_id": job.id,
                "phase_id": phases[phase_key].id,
                "cost_code_id": cost_codes[line["cost_code"]].id,
                "employee_id": employees[str(line["employee_external_id"])].id,
                "date": fields.Date.to_date(line["date"]),
                "hours": line["hours"],
                "equipment_ref": line.get("equipment_ref") or False,
                "note": line.get("note") or False,
            }
        existing = self._flow_existing_lines(message, list(values))
        to_create, to_update, refused = [], [], []
        for ref, vals in values.items():
            record = existing.get(ref)
            if not record:
                to_create.append((ref, vals))
            elif not record._differs(vals):
                message.link(record, "linked")
            elif record.state in ("approved", "posted"):
                refused.append(record)
            else:
                to_update.append((ref, record, vals))
        if refused:
            raise IntegrationError(
                _(
                    "Batch %(batch)s changes time a supervisor already approved: "
                    "%(lines)s. Approved time cannot change; send the difference as a "
                    "new line instead.",
                    batch=batch_ref,
                    lines="; ".join(
                        f"{r.line_ref} ({r.display_name}, {r.state})" for r in refused
                    ),
                ),
                code="field_time_locked",
                retryable=False,
            )
        rejected = self.browse(
            [rec.id for _ref, rec, _vals in to_update if rec.state == "rejected"]
        )
        # one mapping lookup, one create of the new lines, grouped writes
        items = [
            (ref, dict(vals, batch_ref=batch_ref)) for ref, _rec, vals in to_update
        ]
        items += [
            (ref, dict(vals, batch_ref=batch_ref, line_ref=ref))
            for ref, vals in to_create
        ]
        records = message.upsert_many(
            self._name,
            items,
            context={"mail_create_nolog": True, "mail_create_nosubscribe": True},
        )
        if rejected:
            rejected._approval_back_to_draft()
            rejected._log(
                dict.fromkeys(
                    rejected.ids,
                    _(
                        "Corrected by %(system)s in batch %(batch)s and submitted "
                        "again.",
                        system=message.system.name,
                        batch=batch_ref,
                    ),
                )
            )
        self.browse([record.id for record in records.values()])._flag_long_days(
            message.record
        )
        return self.browse([records[ref].id for ref, _vals in to_create])

    def _flag_long_days(self, message=None):
        """A day no one works: a worker's lines of one day adding up to more than
        the company's plausible day open one exception per worker and day, with
        the evidence (the day's hours, the limit, the worker's usual day over the
        previous 60 days), for the supervisor to check before approving. It blocks
        nothing and approves nothing."""
        if not self:
            return
        # lists of the lines as iterated: they keep the batch's prefetching
        by_day = defaultdict(list)
        for line in self:
            by_day[(line.employee_id, line.date)].append(line)
        days = set(by_day)
        domain = [
            ("employee_id", "in", self.employee_id.ids),
            ("state", "!=", "rejected"),
        ]
        totals = {
            (employee, day): hours
            for employee, day, hours in self._read_group(
                domain + [("date", "in", sorted({day for _e, day in days}))],
                ["employee_id", "date:day"],
                ["hours:sum"],
            )
        }
        long_days = []
        for employee, day in sorted(days, key=lambda key: (key[0].id, key[1])):
            lines = by_day[(employee, day)]
            company = lines[0].job_id.company_id or self.env.company
            limit = company.field_time_max_day_hours
            hours = totals.get((employee, day), 0.0)
            if limit and hours > limit:
                name = _(
                    "%(worker)s: %(hours)s hours on %(day)s",
                    worker=employee.name,
                    hours=f"{hours:g}",
                    day=day,
                )
                long_days.append((employee, day, lines, company, limit, name))
        if not long_days:
            return
        # the evidence and what was raised already, for the long days only
        employees = self.env["hr.employee"].union(*(key[0] for key in long_days))
        first = min(day for _e, day in days)
        history = defaultdict(list)
        for employee, _day, hours in self._read_group(
            [
                ("employee_id", "in", employees.ids),
                ("state", "!=", "rejected"),
                ("date", ">=", first - timedelta(days=60)),
                ("date", "<", first),
            ],
            ["employee_id", "date:day"],
            ["hours:sum"],
        ):
            history[employee].append(hours)
        # sudo: the hub's own bookkeeping, raised whoever staged the time
        Exceptions = self.env["integration.exception"].sudo()
        flagged = set(
            Exceptions.search(
                [
                    ("reason_code", "=", "anomaly_long_day"),
                    ("res_model", "=", self._name),
                    ("state", "in", ("open", "in_progress")),
                    ("name", "in", [key[5] for key in long_days]),
                ]
            ).mapped("name")
        )
        for employee, _day, lines, company, limit, name in long_days:
            if name in flagged:
                continue
            usual = history.get(employee)
            Exceptions._raise(
                "anomaly_long_day",
                "\n".join(
                    [
                        name,
                        _(
                            "More than %(limit)s hours in a day is implausible; "
                            "%(usual)s. Check the lines before approving them (a "
                            "misplaced decimal, a day entered twice).",
                            limit=f"{limit:g}",
                            usual=_(
                                "the worker's usual day is %(median)s hours "
                                "(median of %(count)s days)",
                                median=f"{statistics.median(usual):g}",
                                count=len(usual),
                            )
                            if usual
                            else _("no earlier day to compare with"),
                        ),
                    ]
                ),
                message=message,
                record=max(lines, key=lambda line: line.hours),
                company=company,
            )

    @api.model
    def _job_key(self, line):
        if line.get("job_external_id"):
            return ("external_id", str(line["job_external_id"]))
        return ("job_number", str(line["job_number"]))

    @api.model
    def _flow_jobs(self, message, lines):
        """The jobs of the lines, by the system's external id or by job number."""
        keys = {self._job_key(line) for line in lines}
        external = [key[1] for key in keys if key[0] == "external_id"]
        mapped = self.env["integration.mapping"]._resolve_many(
            message.system, "project.project", external, env=self.env
        )
        jobs = {
            ("external_id", ref): mapped.get(ref, self.env["project.project"])
            for ref in external
        }
        numbers = {key[1] for key in keys if key[0] == "job_number"}
        if numbers:
            found = self.env["project.project"].search(
                [
                    ("is_job", "=", True),
                    ("job_number", "in", list(numbers)),
                    ("company_id", "in", self.env.companies.ids),
                ]
            )
            by_number = {job.job_number: job for job in found}
            for number in numbers:
                jobs["job_number", number] = by_number.get(
                    number, self.env["project.project"]
                )
        missing = sorted(ref for (_kind, ref), job in jobs.items() if not job)
        if missing:
            raise IntegrationError(
                _(
                    "Job %(jobs)s is not known in Odoo yet; send it with job.upsert "
                    "first (the message retries on its own).",
                    jobs=", ".join(missing),
                ),
                code="unknown_job",
            )
        not_jobs = [job for job in jobs.values() if not job.is_job]
        if not_jobs:
            raise IntegrationError(
                _("%s is a project, not a construction job.", not_jobs[0].display_name),
                code="not_a_job",
                retryable=False,
            )
        return jobs

    @api.model
    def _flow_employees(self, message, lines):
        """Employees by the system's mapping of hr.employee, else by badge id."""
        refs = {str(line["employee_external_id"]) for line in lines}
        mapped = self.env["integration.mapping"]._resolve_many(
            message.system, "hr.employee", refs, env=self.env
        )
        employees = {ref: mapped.get(ref, self.env["hr.employee"]) for ref in refs}
        unmapped = [ref for ref, employee in employees.items() if not employee]
        if unmapped:
            # sudo: the badge id is HR data a service user may not read; the lookup
            # only tells which employee of the system's company carries the badge
            # the field app scanned.
            badges = (
                self.env["hr.employee"]
                .sudo()
                .search(
                    [
                        ("barcode", "in", unmapped),
                        ("company_id", "in", self.env.companies.ids),
                    ]
                )
            )
            for employee in badges:
                employees[employee.barcode] = self.env["hr.employee"].browse(
                    employee.id
                )
        missing = sorted(ref for ref, employee in employees.items() if not employee)
        if missing:
            raise IntegrationError(
                _(
                    "Employee %(refs)s is not known in Odoo: map it for %(system)s or "
                    "give the employee this badge id (the message retries on its "
                    "own).",
                    refs=", ".join(missing),
                    system=message.system.name,
                ),
                code="unknown_employee",
            )
        return employees

    @api.model
    def _flow_existing_lines(self, message, refs):
        """The lines already received under these line ids, by line id."""
        # sudo: the mapping is the hub's translation table (see integration.mapping
        # _resolve); the lines themselves are browsed with the system's rights.
        mappings = (
            self.env["integration.mapping"]
            .sudo()
            .search_read(
                [
                    ("system_id", "=", message.system.id),
                    ("res_model", "=", self._name),
                    ("external_id", "in", refs),
                ],
                ["external_id", "res_id"],
            )
        )
        records = self.browse([m["res_id"] for m in mappings]).exists()
        by_id = {record.id: record for record in records}
        return {
            m["external_id"]: by_id[m["res_id"]]
            for m in mappings
            if m["res_id"] in by_id
        }

    def _differs(self, vals):
        """Whether ``vals`` would change this line's reported values."""
        self.ensure_one()
        for name in COMPARED_FIELDS:
            field = self._fields[name]
            value = self[name]
            if field.type == "many2one":
                if value.id != (vals.get(name) or False):
                    return True
            elif field.type == "float":
                if float_compare(value, vals.get(name) or 0.0, precision_digits=2):
                    return True
            elif (value or False) != (vals.get(name) or False):
                return True
        return False
