# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Work orders of the field platform, as tasks of the job.

Execution status and the event time it came from are the field's facts: they change
only inside ``_work_order_write`` (reached from the work_order.status flow's
processing), which unlocks them for exactly its records with a context variable of
the running code. No RPC caller can set one; a context key would not do.
"""

import contextlib
import contextvars

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

SERVICE_GROUP = "integration_queue.group_integration_service"

WORK_ORDER_STATUSES = [
    ("dispatched", "Dispatched"),
    ("started", "Started"),
    ("paused", "Paused"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
]
# written by the status flow's processing only
STATUS_FIELDS = frozenset(
    {
        "work_order_status",
        "work_order_status_time",
        "work_order_status_device",
        "work_order_technician_id",
    }
)
# a person changing these reassigns or reschedules the work order: the field hears it
PLAN_FIELDS = ("crew_ids", "user_ids", "scheduled_start", "scheduled_end")


def _iso(value):
    """A stored UTC datetime as the API writes it; null, never false, when unset."""
    return value.isoformat() + "Z" if value else None


# ids of the tasks whose status the running code is writing now, in this thread
_UNLOCKED = contextvars.ContextVar("work_order_status_unlocked", default=frozenset())


BILLING_GROUPS = (
    "construction_project_sync.group_project_controller,account.group_account_invoice"
)
BILLING_METHODS = [
    ("time_materials", "Time and Materials"),
    ("fixed", "Fixed Price"),
]


class ProjectTask(models.Model):
    _name = "project.task"
    _inherit = ["project.task", "integration.lineage.mixin"]

    is_work_order = fields.Boolean(
        index=True,
        copy=False,
        help="A work order of the field service platform (work_order.upsert).",
    )
    work_order_site = fields.Char(
        string="Site / Location", help="Where the crew works: site, building, area."
    )
    construction_phase_id = fields.Many2one(
        "construction.phase",
        string="Phase",
        domain="[('job_id', '=', project_id)]",
        index="btree_not_null",
    )
    cost_code_id = fields.Many2one(
        "construction.cost.code", index="btree_not_null", check_company=True
    )
    scheduled_start = fields.Datetime(
        help="Start of the window the work order is scheduled in (the field "
        "platform's dispatch window).",
    )
    scheduled_end = fields.Datetime()
    crew_ids = fields.Many2many(
        "hr.employee",
        "project_task_work_order_crew_rel",
        "task_id",
        "employee_id",
        help="Who is dispatched; those with an Odoo user are the task's assignees.",
    )
    work_order_billable = fields.Boolean(
        string="Billable",
        help="Odoo owns it: a field platform's update of an existing work order "
        "cannot change it.",
    )
    work_order_status = fields.Selection(
        WORK_ORDER_STATUSES,
        string="Execution Status",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The newest status the field reported (by event time, not arrival).",
    )
    work_order_status_time = fields.Datetime(
        string="Status Time",
        readonly=True,
        copy=False,
        help="When the device recorded the event the status comes from.",
    )
    work_order_status_device = fields.Char(
        string="Status Device", readonly=True, copy=False
    )
    work_order_technician_id = fields.Many2one(
        "hr.employee", string="Technician", readonly=True, copy=False
    )
    work_order_event_ids = fields.One2many(
        "construction.work.order.event", "task_id", string="Status Events"
    )
    work_order_conflict_count = fields.Integer(
        string="Conflicts", compute="_compute_work_order_conflict_count"
    )

    @api.depends("work_order_event_ids.outcome")
    def _compute_work_order_conflict_count(self):
        counts = dict(
            self.env["construction.work.order.event"]._read_group(
                [("task_id", "in", self.ids), ("outcome", "=", "conflict")],
                ["task_id"],
                ["__count"],
            )
        )
        for task in self:
            task.work_order_conflict_count = counts.get(task, 0)

    @api.constrains("scheduled_start", "scheduled_end")
    def _check_scheduled_window(self):
        for task in self:
            if (
                task.scheduled_start
                and task.scheduled_end
                and task.scheduled_end < task.scheduled_start
            ):
                raise ValidationError(
                    _(
                        "The scheduled window of %s ends before it starts.",
                        task.display_name,
                    )
                )

    # ------------------------------------------------------------------ status
    @contextlib.contextmanager
    def _work_order_unlock(self):
        token = _UNLOCKED.set(_UNLOCKED.get() | set(self.ids))
        try:
            yield
        finally:
            _UNLOCKED.reset(token)

    def _work_order_write(self, vals):
        """The status flow's write: status fields allowed, for these tasks only."""
        with self._work_order_unlock():
            return self.write(vals)

    def _check_status_fields(self, vals, records=None):
        """Refuse status values outside the status flow's write; a new task may
        only leave them empty (``records`` None: a create)."""
        touched = {
            name
            for name in STATUS_FIELDS & set(vals)
            if records is not None or vals[name]
        }
        if not touched:
            return
        unlocked = _UNLOCKED.get()
        if records is not None and all(task.id in unlocked for task in records):
            return
        raise UserError(
            _(
                "%(field)s of a work order comes only from the field platform's "
                "status events, never from a direct write.",
                field=self._fields[sorted(touched)[0]].string,
            )
        )

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_status_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_status_fields(vals, self)
        watched = [name for name in PLAN_FIELDS if name in vals]
        announce = self.browse()
        if watched and not self.env.user._has_group(SERVICE_GROUP):
            # the field platform's own upserts are not echoed back to it
            announce = self.filtered("is_work_order")
        before = {task.id: task._work_order_plan() for task in announce}
        result = super().write(vals)
        changed = announce.filtered(
            lambda task: task._work_order_plan() != before[task.id]
        )
        for task in changed:
            self.env["integration.outbox"]._emit(
                "work_order.updated",
                task,
                task._work_order_event_data(),
                company=task.company_id,
            )
        return result

    def _work_order_plan(self):
        self.ensure_one()
        return (
            frozenset(self.crew_ids.ids),
            frozenset(self.user_ids.ids),
            self.scheduled_start,
            self.scheduled_end,
        )

    def _work_order_event_data(self):
        """The work order as the field platform reads it in a webhook."""
        self.ensure_one()
        mapping = self.env["integration.mapping"]
        crew_ids = mapping._external_ids(self.crew_ids, active_systems_only=True)
        return {
            "name": self.name,
            "job_number": self.project_id.job_number,
            "scheduled_start": _iso(self.scheduled_start),
            "scheduled_end": _iso(self.scheduled_end),
            "crew": [
                {
                    "name": employee.name,
                    "external_ids": crew_ids[employee.id],
                }
                for employee in self.crew_ids
            ],
            "status": self.work_order_status,
            "external_ids": mapping._external_ids(self, active_systems_only=True)[
                self.id
            ],
        }

    # ------------------------------------------------------------------ UI
    def action_view_work_order_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "construction_project_sync.action_construction_work_order_event"
        )
        action["domain"] = [("task_id", "=", self.id)]
        return action

    def _work_order_api_view(self):
        """What GET /work-orders/<external id> answers."""
        self.ensure_one()
        return {
            "name": self.name,
            "status": self.work_order_status or None,
            "status_time": _iso(self.work_order_status_time),
            "job": {
                "number": self.project_id.job_number or None,
                "name": self.project_id.name,
            },
            "stage": self.stage_id.name or None,
        }

    # What a work order bills once the customer signs for it: Odoo's terms (billing
    # method, fixed price), never the field platform's.
    work_order_billing_method = fields.Selection(
        BILLING_METHODS,
        string="Billing Method",
        default="time_materials",
        groups=BILLING_GROUPS,
        help="Time and materials: the hours timesheeted on the work order and the "
        "materials consumed on it, at the prices of the job's Work Order Pricelist. "
        "Fixed price: the amount below, once.",
    )
    work_order_fixed_price = fields.Monetary(
        string="Fixed Price",
        currency_field="work_order_currency_id",
        groups=BILLING_GROUPS,
        help="What the customer pays for the work order when it is billed at a "
        "fixed price.",
    )
    work_order_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Work Order Currency"
    )
    work_order_confirmation_ids = fields.One2many(
        "construction.work.order.confirmation", "task_id", string="Confirmation"
    )

    def _work_order_billable_materials(self):
        """Materials consumed on this work order that its time-and-materials
        invoice line bills: a list of dicts ``{"product": product.product,
        "quantity": float, "uom": uom.uom, "name": str}``. None here; the addon
        that records material consumption (ap_matching) adds them."""
        self.ensure_one()
        return []
