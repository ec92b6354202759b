# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .project_task import _UNLOCKED, WORK_ORDER_STATUSES

OUTCOMES = [
    ("applied", "Applied"),
    ("superseded", "Superseded"),
    ("conflict", "Conflict"),
]


class ConstructionWorkOrderEvent(models.Model):
    """A status event of a work order as a device reported it, kept whatever became
    of it: applied (it was the newest), superseded (a newer state was known when it
    arrived) or conflict (another device's newer or simultaneous state says
    otherwise: a person looks at it). The same event arriving again is stored once.
    Events are the field's record: nobody edits them."""

    _name = "construction.work.order.event"
    _description = "Work Order Status Event"
    _order = "event_time desc, id desc"
    _rec_name = "status"

    task_id = fields.Many2one(
        "project.task", required=True, ondelete="cascade", index=True, readonly=True
    )
    job_id = fields.Many2one(related="task_id.project_id", store=True)
    company_id = fields.Many2one(related="task_id.company_id", store=True, index=True)
    system_id = fields.Many2one(
        "integration.system", ondelete="set null", readonly=True, index=True
    )
    status = fields.Selection(WORK_ORDER_STATUSES, required=True, readonly=True)
    event_time = fields.Datetime(
        required=True, readonly=True, help="When the device recorded the event."
    )
    received_at = fields.Datetime(
        default=fields.Datetime.now, readonly=True, help="When Odoo received it."
    )
    device_ref = fields.Char(string="Device", readonly=True, index=True)
    event_ref = fields.Char(
        string="Event ID",
        readonly=True,
        help="The device's id of the event: the same id twice is the same event.",
    )
    technician_id = fields.Many2one("hr.employee", readonly=True)
    message = fields.Text(string="Note", readonly=True)
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Photos", readonly=True, copy=False
    )
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True, index=True)
    integration_message_id = fields.Many2one(
        "integration.message", readonly=True, ondelete="set null"
    )

    _sql_constraints = [
        (
            "event_ref_uniq",
            "unique(system_id, event_ref)",
            "A system sends an event id once.",
        )
    ]

    @api.model_create_multi
    def create(self, vals_list):
        # events are written by the status flow's processing of their tasks only
        unlocked = _UNLOCKED.get()
        if any(vals.get("task_id") not in unlocked for vals in vals_list):
            raise UserError(_("Work order events come from the field platform only."))
        return super().create(vals_list)

    def write(self, vals):
        if vals:
            raise UserError(_("A work order event is kept as the device sent it."))
        return super().write(vals)
