# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ConstructionEquipmentAssignment(models.Model):
    """A machine on a job (and its phase or cost code, with its operator) from a
    moment until another, or until further notice: the job of a reading is the
    assignment valid at its time, so a machine is on one job at a time."""

    _name = "construction.equipment.assignment"
    _description = "Equipment Assignment"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"

    equipment_id = fields.Many2one(
        "maintenance.equipment",
        required=True,
        ondelete="restrict",
        index=True,
        tracking=True,
    )
    job_id = fields.Many2one(
        "project.project",
        required=True,
        ondelete="restrict",
        index=True,
        domain=[("is_job", "=", True)],
        tracking=True,
    )
    company_id = fields.Many2one(
        related="job_id.company_id", store=True, index=True, string="Job Company"
    )
    phase_id = fields.Many2one(
        "construction.phase",
        ondelete="restrict",
        domain="[('job_id', '=', job_id)]",
        tracking=True,
    )
    cost_code_id = fields.Many2one(
        "construction.cost.code", ondelete="restrict", tracking=True
    )
    employee_id = fields.Many2one(
        "hr.employee", string="Operator", ondelete="restrict", tracking=True
    )
    date_start = fields.Datetime(
        string="Start", required=True, default=fields.Datetime.now, tracking=True
    )
    date_end = fields.Datetime(
        string="End", tracking=True, help="Empty: on the job until further notice."
    )
    note = fields.Char()

    _sql_constraints = [
        (
            "dates_ordered",
            "CHECK(date_end IS NULL OR date_end > date_start)",
            "An assignment must end after it starts.",
        ),
    ]

    @api.depends("equipment_id", "job_id", "date_start")
    def _compute_display_name(self):
        for assignment in self:
            assignment.display_name = (
                f"{assignment.equipment_id.display_name} → "
                f"{assignment.job_id.display_name or ''}"
            )

    @api.constrains("job_id", "phase_id", "cost_code_id")
    def _check_job_parts(self):
        for assignment in self:
            if assignment.phase_id and assignment.phase_id.job_id != assignment.job_id:
                raise ValidationError(
                    _(
                        "Phase %(phase)s belongs to another job than %(job)s.",
                        phase=assignment.phase_id.display_name,
                        job=assignment.job_id.display_name,
                    )
                )
            cost_code_company = assignment.cost_code_id.company_id
            if cost_code_company and cost_code_company != assignment.company_id:
                raise ValidationError(
                    _(
                        "Cost code %(code)s belongs to another company than job "
                        "%(job)s.",
                        code=assignment.cost_code_id.display_name,
                        job=assignment.job_id.display_name,
                    )
                )

    @api.constrains("equipment_id", "date_start", "date_end")
    def _check_overlap(self):
        for assignment in self:
            domain = [
                ("id", "!=", assignment.id),
                ("equipment_id", "=", assignment.equipment_id.id),
                "|",
                ("date_end", "=", False),
                ("date_end", ">", assignment.date_start),
            ]
            if assignment.date_end:
                domain.append(("date_start", "<", assignment.date_end))
            # sudo: a machine is on one job at a time, whichever company's job the
            # other assignment is and whether the user may read it
            other = self.sudo().search(domain, limit=1)
            if other:
                raise ValidationError(
                    _(
                        "%(machine)s is already assigned to %(job)s from %(start)s; "
                        "end that assignment before this one starts.",
                        machine=assignment.equipment_id.display_name,
                        job=other.job_id.display_name,
                        start=other.date_start,
                    )
                )
