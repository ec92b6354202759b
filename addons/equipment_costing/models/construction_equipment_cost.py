# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import calendar
import contextvars
from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .account_move_line import VENDOR_BILLS
from .construction_equipment_rate import RATE_KINDS

STATES = [
    ("draft", "Draft"),
    ("approved", "Approved"),
    ("posted", "Posted"),
    ("rejected", "Rejected"),
]
SOURCES = [
    ("operating", "Operating Hours"),
    ("idle", "Idle Hours"),
    ("standby", "Standby Hours"),
    ("rental_day", "Rental per Day"),
    ("rental_week", "Rental per Week"),
    ("rental_month", "Rental per Month"),
    ("rental_invoice", "Rental Invoice"),
    ("fuel", "Fuel"),
    ("maintenance_parts", "Maintenance Parts"),
    ("maintenance_labour", "Maintenance Labour"),
    ("manual", "Other"),
]
# the unit a quantity of each source is counted in
SOURCE_UNITS = {
    "operating": "h",
    "idle": "h",
    "standby": "h",
    "rental_day": "day",
    "rental_week": "day",
    "rental_month": "day",
    "fuel": "l",
}
# what a line links to, set once when it is staged and never changed after
SOURCE_FIELDS = (
    "source",
    "source_key",
    "usage_id",
    "fuel_id",
    "maintenance_request_id",
    "assignment_id",
    "move_line_id",
)
RENTAL_ACCRUALS = ("rental_day", "rental_week", "rental_month")
APPROVER_GROUP = "equipment_costing.group_equipment_manager"
# set while the staging creates its lines, in this thread: only then may a line be
# created with a source (a context key would be a caller's to set)
_STAGING = contextvars.ContextVar("equipment_cost_staging", default=False)


class ConstructionEquipmentCost(models.Model):
    """An equipment cost line on job × cost code (cost type equipment), staged from
    what the machine did (usage × the rate of the day, rental days), the fuel it
    took or the repairs it had, until an equipment cost approver approves it and
    posts it as analytic lines that job cost reads as actual equipment cost.

    draft → approved → posted, or draft → rejected (the reason stays on the line),
    through the suite's approval mechanism (construction.approval.mixin): approved
    and posted lines are locked, nobody approves or posts a line they staged or
    changed. A source (a usage hour kind, a rental day, a fuel transaction, a
    repair) is staged once: the source key is unique.
    """

    _name = "construction.equipment.cost"
    _description = "Equipment Cost"
    _inherit = [
        "mail.thread",
        "construction.job.line.mixin",
        "construction.approval.mixin",
    ]
    _order = "date desc, equipment_id, id"
    _approval_draft_state = "draft"
    _approval_pending_states = ("draft",)
    _approval_locked_states = ("approved", "posted")
    _approval_group = APPROVER_GROUP
    _approval_figure_fields = (
        "job_id",
        "phase_id",
        "cost_code_id",
        "equipment_id",
        "date",
        "quantity",
        "rate",
    )
    _approval_extra_protected_fields = (
        "rejection_reason",
        "analytic_line_id",
        "recovery_line_id",
        "recovery_reversal_line_id",
        "chargeback_move_ids",
        "chargeback_reversed",
    )

    equipment_id = fields.Many2one(
        "maintenance.equipment",
        string="Machine",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    date = fields.Date(required=True, index=True, tracking=True)
    source = fields.Selection(SOURCES, required=True, default="manual", readonly=True)
    unit = fields.Char(compute="_compute_unit", store=True)
    quantity = fields.Float(required=True, digits=(16, 4), tracking=True)
    rate = fields.Float(
        digits=(16, 4),
        required=True,
        tracking=True,
        help="Cost of one unit in the company's currency: the machine's rate of the "
        "day for usage, the rental of a day for rentals (a week's rental over 7 "
        "days, a month's over the month's days), the price per litre for fuel.",
    )
    amount = fields.Monetary(compute="_compute_amount", store=True, tracking=True)
    state = fields.Selection(
        STATES,
        default="draft",
        required=True,
        index=True,
        copy=False,
        readonly=True,
        tracking=True,
    )
    rejection_reason = fields.Text(copy=False, readonly=True, tracking=True)
    source_key = fields.Char(
        readonly=True,
        copy=False,
        help="What the line was staged from (usage, rental day, fuel transaction, "
        "repair): a source is staged once.",
    )
    usage_id = fields.Many2one(
        "construction.equipment.usage",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    fuel_id = fields.Many2one(
        "construction.equipment.fuel",
        string="Fuel Transaction",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    maintenance_request_id = fields.Many2one(
        "maintenance.request",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    assignment_id = fields.Many2one(
        "construction.equipment.assignment",
        readonly=True,
        ondelete="restrict",
        help="The assignment that put the machine on the job for this cost.",
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Rental Bill Line",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
        help="The rental vendor's bill line this cost is the job's share of (its "
        "amount pro rata to the days the machine was on the job within the rental "
        "period, less the rental days already posted for those days).",
    )
    analytic_line_id = fields.Many2one(
        "account.analytic.line",
        string="Job Cost Line",
        readonly=True,
        copy=False,
        ondelete="restrict",
        index="btree_not_null",
        help="The analytic line posted on job × cost code.",
    )
    recovery_line_id = fields.Many2one(
        "account.analytic.line",
        readonly=True,
        copy=False,
        ondelete="restrict",
        index="btree_not_null",
        help="The credit posted to the owning yard or department of an owned machine "
        "(the internal chargeback).",
    )
    recovery_reversal_line_id = fields.Many2one(
        "account.analytic.line",
        string="Recovery Reversal",
        readonly=True,
        copy=False,
        ondelete="restrict",
        index="btree_not_null",
    )
    chargeback_move_ids = fields.Many2many(
        "account.move",
        string="Chargeback Entries",
        readonly=True,
        copy=False,
        help="Between companies: the owner's entry (receivable / recovery income) "
        "and the user's (equipment cost / payable), with their reversals.",
    )
    chargeback_reversed = fields.Boolean(readonly=True, copy=False, tracking=True)
    has_chargeback = fields.Boolean(compute="_compute_has_chargeback")
    note = fields.Char()

    _sql_constraints = [
        (
            "source_key_uniq",
            "unique(source_key)",
            "This source is staged as equipment cost already.",
        ),
        ("quantity_positive", "CHECK(quantity >= 0)", "A quantity is not negative."),
    ]

    @api.depends("recovery_line_id", "chargeback_move_ids", "chargeback_reversed")
    def _compute_has_chargeback(self):
        # sudo: whether there is an entry, not what it says
        for line, line_sudo in zip(self, self.sudo(), strict=True):
            line.has_chargeback = not line.chargeback_reversed and bool(
                line_sudo.recovery_line_id or line_sudo.chargeback_move_ids
            )

    @api.depends("source")
    def _compute_unit(self):
        for line in self:
            line.unit = SOURCE_UNITS.get(line.source, "")

    @api.depends("quantity", "rate", "currency_id")
    def _compute_amount(self):
        for line in self:
            amount = line.quantity * line.rate
            line.amount = line.currency_id.round(amount) if line.currency_id else amount

    @api.depends("equipment_id", "date", "source", "job_id.job_number")
    def _compute_display_name(self):
        labels = dict(SOURCES)
        for line in self:
            line.display_name = _(
                "%(machine)s, %(date)s, %(kind)s on %(job)s",
                machine=line.equipment_id.display_name or "",
                date=line.date or "",
                kind=labels.get(line.source, ""),
                job=line.job_id.job_number or line.job_id.name or "",
            )

    @api.constrains("job_id", "cost_code_id", "equipment_id")
    def _check_job_structure(self):
        for line in self:
            job_company = line.job_id.company_id
            code_company = line.cost_code_id.company_id
            if job_company and code_company and code_company != job_company:
                raise ValidationError(
                    _(
                        "Cost code %(code)s belongs to another company than job "
                        "%(job)s.",
                        code=line.cost_code_id.display_name,
                        job=line.job_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        staging = _STAGING.get()
        for vals in vals_list:
            linked = any(vals.get(name) for name in SOURCE_FIELDS if name != "source")
            if not staging and (linked or vals.get("source", "manual") != "manual"):
                # a line claiming a source (and blocking its staging) comes from the
                # staging only, never from a caller
                raise UserError(
                    _(
                        "Equipment cost is linked to its source by the staging only; "
                        "a line entered by hand has the source Other."
                    )
                )
            # equipment cost is equipment cost, whatever the cost code says
            vals["cost_type"] = "equipment"
        return super().create(vals_list)

    def _approval_check_write(self, vals):
        result = super()._approval_check_write(vals)
        changed = set(SOURCE_FIELDS) & set(vals)
        if changed:
            raise UserError(
                _(
                    "%(field)s of an equipment cost is set when it is staged and "
                    "never changes; reject the line and stage it again.",
                    field=self._fields[sorted(changed)[0]].string,
                )
            )
        staged = self.filtered(lambda line: line.source != "manual")
        if staged and {"equipment_id", "date"} & set(vals):
            raise UserError(
                _(
                    "%s was staged from what the machine did that day: its machine "
                    "and date are its source's.",
                    staged[0].display_name,
                )
            )
        if "cost_type" in vals and vals["cost_type"] != "equipment":
            raise UserError(_("Equipment cost is of the cost type equipment."))
        return result

    def _approval_amount(self):
        self.ensure_one()
        return self.amount

    # ------------------------------------------------------------------ buttons
    def action_approve(self):
        """Approve draft lines, one or many (the list's bulk Approve)."""
        self._approval_approve()
        return True

    def action_reject(self, reason):
        """Reject draft lines; the reason stays on each line."""
        self._approval_reject("rejected", reason)
        return True

    def action_reset_to_draft(self):
        """An approver takes a rejection back: the line waits for approval again."""
        self._approval_take_back()
        return True

    def action_post(self):
        """Post approved lines as job cost (and the chargeback of owned machines):
        an equipment cost approver's act, never the preparer's. All or nothing: a
        line dated in a frozen or locked period leaves every line approved."""
        self._approval_check_state(["approved"], _("posted"))
        self._approval_check_approver()
        self._post()
        return True

    # ------------------------------------------------------------------ posting
    def _recovery_account(self):
        """The analytic account of the yard or department that owns the machine of
        this line and recovers its cost, when the job is of the same company."""
        self.ensure_one()
        machine = self.equipment_id
        if machine.ownership != "owned":
            return self.env["account.analytic.account"]
        if machine.company_id and machine.company_id != self.company_id:
            return self.env["account.analytic.account"]
        return (
            machine.recovery_analytic_account_id
            or self.company_id.equipment_recovery_analytic_account_id
        )

    def _owner_company(self):
        """The company owning the machine, when it is not the job's: its recovery
        is a chargeback between companies."""
        self.ensure_one()
        machine = self.equipment_id
        if machine.ownership == "owned" and machine.company_id not in (
            self.company_id,
            self.env["res.company"],
        ):
            return machine.company_id
        return self.env["res.company"]

    def _chargeback_move_vals(self):
        """The two entries of this line's chargeback: the owner's (receivable from
        the user / recovery income) and the user's (equipment cost / payable to the
        owner), each balanced, in each company's currency."""
        self.ensure_one()
        owner, user = self._owner_company(), self.company_id
        ref = _("Equipment chargeback: %s", self.display_name)
        result = []
        for company, side, partner in (
            (owner, "owner", user.partner_id),
            (user, "user", owner.partner_id),
        ):
            journal, debit, credit = company._equipment_chargeback_setup(side)
            amount = self.currency_id._convert(
                self.amount, company.currency_id, company, self.date
            )
            result.append(
                {
                    "move_type": "entry",
                    "company_id": company.id,
                    "journal_id": journal.id,
                    "date": self.date,
                    "ref": ref,
                    "line_ids": [
                        Command.create(
                            {
                                "name": ref,
                                "account_id": debit.id,
                                "partner_id": partner.id,
                                "debit": amount,
                            }
                        ),
                        Command.create(
                            {
                                "name": ref,
                                "account_id": credit.id,
                                "partner_id": partner.id,
                                "credit": amount,
                            }
                        ),
                    ],
                }
            )
        return result

    def _analytic_vals(self, column):
        self.ensure_one()
        name = f"{self.equipment_id.display_name}: {dict(SOURCES)[self.source]}"
        if self.note:
            name = f"{name} ({self.note})"
        return {
            "name": name,
            "account_id": self.job_id.account_id.id,
            column: self.cost_code_id.analytic_account_id.id,
            "company_id": self.company_id.id,
            "date": self.date,
            "amount": -self.amount,
            "unit_amount": self.quantity,
            "construction_cost_type": "equipment",
            # no one's time: without it, Odoo would default the poster's employee
            "employee_id": False,
        }

    def _recovery_vals(self, account):
        self.ensure_one()
        return {
            "name": _(
                "Recovery: %(machine)s on %(job)s",
                machine=self.equipment_id.display_name,
                job=self.job_id.display_name,
            ),
            account.plan_id._column_name(): account.id,
            "company_id": self.company_id.id,
            "date": self.date,
            "amount": self.amount,
            "unit_amount": self.quantity,
            "employee_id": False,
        }

    def _post(self):
        """One check of the posting periods, then one create of every analytic line
        (job cost and recovery), then one write of the links per line."""
        lines = self.filtered(lambda line: line.state == "approved")
        if not lines:
            return
        no_account = lines.filtered(lambda line: not line.job_id.account_id)
        if no_account:
            raise UserError(
                _("Job %s has no analytic account.", no_account[0].job_id.display_name)
            )
        dates_by_company = defaultdict(set)
        for line in lines:
            dates_by_company[line.company_id].add(line.date)
            if line.amount and line._owner_company():
                dates_by_company[line._owner_company()].add(line.date)
        freeze = self.env["integration.freeze"]
        for company, dates in dates_by_company.items():
            # the suite's one posting check: a frozen or locked period defers all
            freeze._check_posting(company, dates)
        column = self.env.ref(
            "construction_project_sync.analytic_plan_cost_codes"
        )._column_name()
        vals_list, kinds = [], []
        for line in lines:
            vals_list.append(line._analytic_vals(column))
            kinds.append((line, "analytic_line_id"))
            account = line._recovery_account()
            if account and line.amount:
                vals_list.append(line._recovery_vals(account))
                kinds.append((line, "recovery_line_id"))
        # sudo: an equipment cost approver posts job cost without being an
        # accountant; what is written is exactly the approved lines, after the
        # posting check above
        analytic = self.env["account.analytic.line"].sudo().create(vals_list)
        with lines._approval_unlock():
            for (line, field), analytic_line in zip(kinds, analytic, strict=True):
                line[field] = analytic_line
        lines.filtered(
            lambda line: line.amount and line._owner_company()
        )._post_chargeback()
        lines._approval_write({"state": "posted"})
        lines._approval_log(
            dict.fromkeys(lines.ids, _("Posted by %s.", self.env.user.name))
        )

    def _post_chargeback(self):
        """The entries between companies of these lines, in one create, posted."""
        vals_list = [vals for line in self for vals in line._chargeback_move_vals()]
        # sudo: the chargeback between two companies of the group is posted in both
        # of them by the approver of the equipment cost, who is no accountant of
        # either; the entries are exactly the approved amount, after the posting
        # check of both companies
        companies = self.company_id | self.equipment_id.company_id
        moves = (
            self.env["account.move"]
            .sudo()
            .with_context(allowed_company_ids=companies.ids)
            .create(vals_list)
        )
        moves._post(soft=False)
        with self._approval_unlock():
            for index, line in enumerate(self):
                line.chargeback_move_ids = moves[2 * index : 2 * index + 2]

    def action_reverse_chargeback(self):
        """Take back the chargeback of posted lines (a wrong owner, a machine that
        was not lent): the entries between companies are reversed today, the
        yard's recovery is taken back by an opposite line. The job keeps its
        cost."""
        self._approval_check_state(["posted"], _("reversed"))
        self._approval_check_approver()
        lines = self.filtered("has_chargeback")
        if not lines:
            raise UserError(_("These lines have no chargeback to reverse."))
        today = fields.Date.context_today(self)
        # sudo: the approver of equipment cost is no accountant; the entries are
        # the ones the chargeback posted (see _post_chargeback)
        moves = lines.sudo().chargeback_move_ids
        companies = lines.company_id | moves.company_id
        freeze = self.env["integration.freeze"]
        for company in companies:
            freeze._check_posting(company, [today])
        reversals = self.env["account.move"]
        if moves:
            moves = moves.with_context(allowed_company_ids=companies.ids)
            reversals = moves._reverse_moves(
                [{"date": today, "ref": _("Reversal: %s", m.ref)} for m in moves],
                cancel=True,
            )
        recovered = lines.filtered("recovery_line_id")
        # sudo: as for the recovery itself (see _post)
        counter = (
            self.env["account.analytic.line"]
            .sudo()
            .create(
                [
                    {
                        **line.recovery_line_id.copy_data()[0],
                        "name": _("Reversal: %s", line.recovery_line_id.name),
                        "date": today,
                        "amount": -line.recovery_line_id.amount,
                    }
                    for line in recovered
                ]
            )
        )
        with lines._approval_unlock():
            for line, counter_line in zip(recovered, counter, strict=True):
                line.recovery_reversal_line_id = counter_line
            for line in lines.sudo().filtered("chargeback_move_ids"):
                line.chargeback_move_ids |= reversals.filtered(
                    lambda r, line=line: r.reversed_entry_id in line.chargeback_move_ids
                )
        lines._approval_write({"chargeback_reversed": True})
        lines._approval_log(
            dict.fromkeys(
                lines.ids, _("Chargeback reversed by %s.", self.env.user.name)
            )
        )
        return True

    # ------------------------------------------------------------------ staging
    @api.model
    def _stage(self, date_from, date_to, companies=None, machines=None, jobs=None):
        """Stage the equipment cost of the days ``date_from``..``date_to``: usage ×
        the rate of the day, the rental days of machines rented by the day, week or
        month, fuel transactions and done repairs; a source staged before is left
        alone. One search per kind of source, one create. Returns the new lines.

        A machine without a rate for a day it has hours (or rental days) stops the
        staging with the list: cost is never staged at zero without a word."""
        if date_from > date_to:
            raise UserError(_("The period ends before it starts."))
        companies = companies or self.env.companies
        stager = _Staging(self, date_from, date_to, companies, machines, jobs)
        stager.usage()
        stager.rental_invoices()
        stager.rentals()
        stager.fuel()
        stager.repairs()
        return stager.save()

    @api.model
    def _staged_usage(self, usages):
        """The part of ``usages`` that is staged as equipment cost (a line neither
        rejected nor deleted): the usage derivation leaves those alone (usage's
        ``_costed()``), as the cost approved or posted was worked out from them."""
        # sudo: what is staged binds the derivation, whoever runs it
        costs = self.sudo().search(
            [("usage_id", "in", usages.ids), ("state", "!=", "rejected")]
        )
        return usages & costs.usage_id.with_env(usages.env)

    @api.model
    def _rental_machines_domain(self):
        """Machines the vendor charges by the day, week or month: their cost is the
        rental over the days they were assigned, not their hours."""
        return [
            ("ownership", "in", ("rented", "leased")),
            ("rental_rate_basis", "in", ("day", "week", "month")),
        ]


class _Staging:
    """The period wizard's staging, source kind by source kind; collects the new
    lines and what stops them (missing rates, cost codes) before one create."""

    def __init__(self, costs, date_from, date_to, companies, machines, jobs):
        self.env = costs.env
        self.costs = costs
        self.date_from, self.date_to = date_from, date_to
        self.companies = companies
        self.machines = machines
        self.jobs = jobs
        self.vals = {}  # source key → values
        self.missing_rates = set()
        self.missing_codes = set()
        self.open_accruals = set()
        self._bill_lines = None
        self.covered = set()  # (machine id, day) a posted rental bill line charges
        rental = self.env["maintenance.equipment"].search(
            costs._rental_machines_domain()
        )
        self.rental_ids = set(rental.ids)
        self._rates = None

    def _filters(self, job_field="job_id"):
        domain = []
        if self.machines:
            domain.append(("equipment_id", "in", self.machines.ids))
        if self.jobs and job_field:
            domain.append((job_field, "in", self.jobs.ids))
        return domain

    def _rate(self, machine, day, kind):
        """The rate of ``kind`` of ``machine`` on ``day`` in the job's currency."""
        if self._rates is None:
            rates = self.env["construction.equipment.rate"].search(
                [
                    ("date_from", "<=", self.date_to),
                    "|",
                    ("date_to", "=", False),
                    ("date_to", ">=", self.date_from),
                ]
            )
            self._rates = {}
            for rate in rates:
                self._rates.setdefault((rate.equipment_id.id, rate.kind), []).append(
                    rate
                )
        for rate in self._rates.get((machine.id, kind), []):
            if rate.date_from <= day and (not rate.date_to or rate.date_to >= day):
                return rate
        self.missing_rates.add((machine.display_name, day, kind))
        return None

    def _convert(self, rate, company, day):
        """A rate's amount in the company's currency."""
        return rate.currency_id._convert(rate.amount, company.currency_id, company, day)

    def _add(self, key, source, machine, day, job, cost_code, quantity, rate, **links):
        company = job.company_id
        cost_code = cost_code or company.equipment_cost_code_id
        if not cost_code:
            self.missing_codes.add((machine.display_name, job.display_name))
            return
        self.vals[key] = {
            "source_key": key,
            "source": source,
            "equipment_id": machine.id,
            "date": day,
            "job_id": job.id,
            "cost_code_id": cost_code.id,
            "quantity": quantity,
            "rate": rate,
            **{name: record.id for name, record in links.items() if record},
        }

    def usage(self):
        Usage = self.env["construction.equipment.usage"]
        usages = Usage.search(
            [
                *Usage._costable_domain(),
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
                ("company_id", "in", self.companies.ids),
                ("equipment_id", "not in", list(self.rental_ids)),
                *self._filters(),
            ]
        )
        # standby comes with the usage derivation; costed when the field exists
        kinds = [
            (kind, kind + "_hours")
            for kind in ("operating", "idle", "standby")
            if kind + "_hours" in Usage._fields
        ]
        for usage in usages:
            for kind, field in kinds:
                hours = usage[field]
                if hours <= 0:
                    continue
                rate = self._rate(usage.equipment_id, usage.date, kind)
                if rate is None:
                    continue
                rate = self._convert(rate, usage.job_id.company_id, usage.date)
                self._add(
                    f"usage:{usage.id}:{kind}",
                    kind,
                    usage.equipment_id,
                    usage.date,
                    usage.job_id,
                    usage.cost_code_id or usage.assignment_id.cost_code_id,
                    hours,
                    rate,
                    usage_id=usage,
                    assignment_id=usage.assignment_id,
                )

    def _assignments(self, machines):
        start = datetime.combine(self.date_from, time.min)
        end = datetime.combine(self.date_to + timedelta(days=1), time.min)
        return self.env["construction.equipment.assignment"].search(
            [
                ("equipment_id", "in", machines.ids),
                ("company_id", "in", self.companies.ids),
                ("date_start", "<", end),
                "|",
                ("date_end", "=", False),
                ("date_end", ">", start),
                *self._filters(),
            ],
            order="date_start",
        )

    def _rental_bill_lines(self):
        """Posted vendor bill lines charging for a rented machine over days of the
        period, and the machine days they cover."""
        if self._bill_lines is None:
            domain = [
                ("equipment_id", "!=", False),
                ("parent_state", "=", "posted"),
                ("move_id.move_type", "in", VENDOR_BILLS),
                ("equipment_period_start", "<=", self.date_to),
                ("equipment_period_end", ">=", self.date_from),
            ]
            if self.machines:
                domain.append(("equipment_id", "in", self.machines.ids))
            # sudo: the equipment user staging is no accountant; what is read is
            # the machine, period and amount of posted rental bill lines, and only
            # those of the user's own companies are staged (rental_invoices)
            self._bill_lines = self.env["account.move.line"].sudo().search(domain)
            for line in self._bill_lines:
                for day in _days(
                    line.equipment_period_start, line.equipment_period_end
                ):
                    self.covered.add((line.equipment_id.id, day))
        return self._bill_lines

    def rental_invoices(self):
        """Each posted rental bill line, spread over the days its machine was
        assigned within its period, by job × cost code, pro rata to the days (the
        rounding remainder on the last share), less the rental days posted for
        those days and jobs (the true-up). Rental days still draft or approved on
        those days stop the staging: they are to be rejected first."""
        allowed = self.companies & self.env.user.company_ids
        lines = self._rental_bill_lines().filtered(
            lambda line: line.company_id in allowed
        )
        if not lines:
            return
        start = min(lines.mapped("equipment_period_start"))
        end = max(lines.mapped("equipment_period_end"))
        assignments = self.env["construction.equipment.assignment"].search(
            [
                ("equipment_id", "in", lines.equipment_id.ids),
                ("company_id", "in", allowed.ids),
                (
                    "date_start",
                    "<",
                    datetime.combine(end + timedelta(days=1), time.min),
                ),
                "|",
                ("date_end", "=", False),
                ("date_end", ">", datetime.combine(start, time.min)),
            ],
            order="date_start",
        )
        accruals = self.costs.search(
            [
                ("equipment_id", "in", lines.equipment_id.ids),
                ("source", "in", RENTAL_ACCRUALS),
                ("date", ">=", start),
                ("date", "<=", end),
                ("state", "!=", "rejected"),
            ]
        )
        # sudo: as in save(), a source staged is never staged again; and the
        # rental days a staged bill line trued up are not trued up twice
        staged_costs = self.costs.sudo().search(
            [
                ("move_line_id.equipment_id", "in", lines.equipment_id.ids),
                ("move_line_id.equipment_period_start", "<=", end),
                ("move_line_id.equipment_period_end", ">=", start),
            ]
        )
        staged = set(staged_costs.mapped("source_key"))
        trued_up = {}  # (machine id, day) → the bill line that trued it up
        for bill_line in staged_costs.move_line_id.sorted("id"):
            for day in _days(
                bill_line.equipment_period_start, bill_line.equipment_period_end
            ):
                trued_up.setdefault((bill_line.equipment_id.id, day), bill_line.id)
        by_machine = defaultdict(list)
        for assignment in assignments:
            by_machine[assignment.equipment_id.id].append(assignment)
        for line in lines.sorted("id"):
            self._rental_invoice(line, by_machine, accruals, staged, trued_up)

    def _rental_invoice(self, line, by_machine, accruals, staged, trued_up):
        machine, company = line.equipment_id, line.company_id
        period = _days(line.equipment_period_start, line.equipment_period_end)
        # the day's job is its first assignment's, as for the rental days
        days = defaultdict(list)  # (job, cost code) → assigned days
        first_assignment = {}
        for day in period:
            assignment = next(
                (
                    a
                    for a in by_machine[machine.id]
                    if a.job_id.company_id == company
                    and a.date_start.date() <= day
                    and (
                        not a.date_end
                        or (a.date_end - timedelta(seconds=1)).date() >= day
                    )
                ),
                None,
            )
            if assignment is None:
                continue
            code = assignment.cost_code_id or company.equipment_cost_code_id
            if not code:
                self.missing_codes.add(
                    (machine.display_name, assignment.job_id.display_name)
                )
                continue
            days[assignment.job_id, code].append(day)
            first_assignment.setdefault((assignment.job_id, code), assignment)
        if not days:
            return  # no assigned day: the rental reconciliation check shows it
        total = sum(len(d) for d in days.values())
        currency = company.currency_id
        amount = line.balance  # the company's currency; a refund is negative
        shares, rest = {}, amount
        for index, (key, assigned) in enumerate(days.items()):
            if index == len(days) - 1:
                shares[key] = currency.round(rest)
            else:
                shares[key] = currency.round(amount * len(assigned) / total)
                rest -= shares[key]
        # the posted rental days of the period not trued up by another bill line
        period_days = {
            day for day in period if trued_up.get((machine.id, day), line.id) == line.id
        }
        covered = accruals.filtered(
            lambda a: a.equipment_id == machine and a.date in period_days
        )
        posted = defaultdict(float)
        last_accrual = {}
        for accrual in covered.filtered(lambda a: a.state == "posted"):
            key = (accrual.job_id, accrual.cost_code_id)
            posted[key] += accrual.amount
            last_accrual[key] = max(accrual.date, last_accrual.get(key, accrual.date))
        new = {}
        for job, code in {*shares, *posted}:
            if self.jobs and job not in self.jobs:
                continue
            source_key = f"rental_invoice:{line.id}:{job.id}:{code.id}"
            difference = currency.round(
                shares.get((job, code), 0.0) - posted[job, code]
            )
            # a share equal to the rental days is staged at zero all the same: it
            # records that they were trued up
            if source_key not in staged:
                new[source_key] = (job, code, difference)
        if not new:
            return
        if covered.filtered(lambda a: a.state != "posted"):
            self.open_accruals.add((machine.display_name, line.move_id.display_name))
            return
        for day in period_days:
            trued_up[machine.id, day] = line.id
        for source_key, (job, code, difference) in new.items():
            assigned = days.get((job, code))
            self._add(
                source_key,
                "rental_invoice",
                machine,
                assigned[-1] if assigned else last_accrual[job, code],
                job,
                code,
                1.0,
                difference,
                move_line_id=line,
                assignment_id=first_assignment.get((job, code)),
            )
            self.vals[source_key]["note"] = _(
                "%(bill)s: %(days)s of %(total)s assigned days%(posted)s",
                bill=line.move_id.name,
                days=len(assigned or []),
                total=total,
                posted=_(", less rental days posted") if posted[job, code] else "",
            )

    def rentals(self):
        machines = self.env["maintenance.equipment"].browse(self.rental_ids)
        if self.machines:
            machines &= self.machines
        self._rental_bill_lines()
        for assignment in self._assignments(machines):
            machine = assignment.equipment_id
            basis = machine.rental_rate_basis
            first = max(assignment.date_start.date(), self.date_from)
            last = self.date_to
            if assignment.date_end:
                # an assignment ending at midnight does not take the next day
                last = min(last, (assignment.date_end - timedelta(seconds=1)).date())
            day = first
            while day <= last:
                key = f"rental:{machine.id}:{day}"
                # a machine moved during a day is charged once, to its first job;
                # a day a rental bill charges for is costed from the bill
                if key not in self.vals and (machine.id, day) not in self.covered:
                    rate = self._rate(machine, day, basis)
                    if rate is not None:
                        self._add(
                            key,
                            f"rental_{basis}",
                            machine,
                            day,
                            assignment.job_id,
                            assignment.cost_code_id,
                            1.0,
                            self._convert(rate, assignment.job_id.company_id, day)
                            / _rental_days(basis, day),
                            assignment_id=assignment,
                        )
                day += timedelta(days=1)

    def fuel(self):
        fuels = self.env["construction.equipment.fuel"].search(
            [
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
                ("company_id", "in", self.companies.ids),
                ("job_id", "!=", False),
                *self._filters(),
            ]
        )
        for fuel in fuels:
            company = fuel.job_id.company_id
            amount = fuel.currency_id._convert(
                fuel.amount, company.currency_id, company, fuel.date
            )
            self._add(
                f"fuel:{fuel.id}",
                "fuel",
                fuel.equipment_id,
                fuel.date,
                fuel.job_id,
                fuel.cost_code_id or fuel.assignment_id.cost_code_id,
                fuel.litres,
                amount / fuel.litres,
                fuel_id=fuel,
                assignment_id=fuel.assignment_id,
            )

    def repairs(self):
        requests = (
            self.env["maintenance.request"]
            .search(
                [
                    ("stage_id.done", "=", True),
                    ("close_date", ">=", self.date_from),
                    ("close_date", "<=", self.date_to),
                    ("equipment_id", "!=", False),
                    ("company_id", "in", self.companies.ids),
                    *self._filters(job_field=None),
                ]
            )
            .filtered(lambda r: r.parts_cost or r.labour_cost)
        )
        if not requests:
            return
        assignments = self._assignments(requests.equipment_id)
        for request in requests:
            # the job the machine was on the day the repair was finished
            day_start = datetime.combine(request.close_date, time.min)
            day_end = day_start + timedelta(days=1)
            assignment = assignments.filtered(
                lambda a, m=request.equipment_id, start=day_start, end=day_end: (
                    a.equipment_id == m
                    and a.date_start < end
                    and (not a.date_end or a.date_end > start)
                )
            )[:1]
            if not assignment or (self.jobs and assignment.job_id not in self.jobs):
                continue  # a repair of a machine on no job is the yard's own cost
            for kind, amount in (
                ("parts", request.parts_cost),
                ("labour", request.labour_cost),
            ):
                if amount:
                    self._add(
                        f"maintenance:{request.id}:{kind}",
                        f"maintenance_{kind}",
                        request.equipment_id,
                        request.close_date,
                        assignment.job_id,
                        assignment.cost_code_id,
                        1.0,
                        amount,
                        maintenance_request_id=request,
                        assignment_id=assignment,
                    )

    def save(self):
        problems = []
        if self.missing_rates:
            kinds = dict(RATE_KINDS)
            problems.append(
                _("These machines have no rate for a day they are to be costed:")
            )
            problems += [
                f"- {machine}, {day}: {kinds.get(kind, kind)}"
                for machine, day, kind in sorted(self.missing_rates)
            ]
        if self.missing_codes:
            problems.append(
                _(
                    "These machines were on a job without a cost code, and their "
                    "company has no default equipment cost code:"
                )
            )
            problems += [
                f"- {machine} on {job}" for machine, job in sorted(self.missing_codes)
            ]
        if self.open_accruals:
            problems.append(
                _(
                    "These rental bills charge for days whose rental days are still "
                    "draft or approved; reject those rental days first (the bill "
                    "replaces them):"
                )
            )
            problems += [
                f"- {machine}: {bill}" for machine, bill in sorted(self.open_accruals)
            ]
        if problems:
            raise UserError(
                "\n".join(
                    [*problems, _("Nothing was staged; set them and stage again.")]
                )
            )
        # sudo: a source staged before must not be staged again, even in a company
        # the user does not see now (the key is unique over all companies)
        staged = set(
            self.costs.sudo()
            .search([("source_key", "in", list(self.vals))])
            .mapped("source_key")
        )
        token = _STAGING.set(True)
        try:
            return self.costs.create(
                [vals for key, vals in self.vals.items() if key not in staged]
            )
        finally:
            _STAGING.reset(token)


def _days(first, last):
    """The days ``first``..``last``, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _rental_days(basis, day):
    """The days of the rental period of ``basis`` that holds ``day``."""
    if basis == "day":
        return 1
    if basis == "week":
        return 7
    return calendar.monthrange(day.year, day.month)[1]
