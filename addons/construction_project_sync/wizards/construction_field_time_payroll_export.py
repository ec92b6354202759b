# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import io

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

CSV_HEADER = [
    "employee",
    "badge_id",
    "date",
    "job_number",
    "cost_code",
    "phase",
    "hours",
    "state",
]


class ConstructionFieldTimePayrollExport(models.TransientModel):
    """Approved field time of a period as a CSV file for payroll: one row per line,
    by employee and date. Submitted and rejected time is never exported."""

    _name = "construction.field.time.payroll.export"
    _description = "Field Time Payroll Export"

    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    job_id = fields.Many2one(
        "project.project",
        domain=[("is_job", "=", True)],
        help="Leave empty: every job.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The period ends before it starts."))

    def _lines(self):
        self.ensure_one()
        domain = [
            ("state", "in", ("approved", "posted")),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
            ("company_id", "=", self.company_id.id),
        ]
        if self.job_id:
            domain.append(("job_id", "=", self.job_id.id))
        return self.env["construction.field.time"].search(
            domain, order="employee_id, date, id"
        )

    def _csv(self, lines):
        # sudo: the badge id is HR data; payroll needs it to match its employees,
        # and only the badges of the exported employees are read.
        badges = {
            employee.id: employee.barcode or "" for employee in lines.employee_id.sudo()
        }
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for line in lines:
            writer.writerow(
                [
                    line.employee_id.name,
                    badges[line.employee_id.id],
                    fields.Date.to_string(line.date),
                    line.job_id.job_number or "",
                    line.cost_code_id.code,
                    line.phase_id.code or "",
                    f"{line.hours:.2f}",
                    line.state,
                ]
            )
        return out.getvalue()

    def action_export(self):
        self.ensure_one()
        lines = self._lines()
        if not lines:
            raise UserError(
                _("No approved field time between %(start)s and %(end)s.")
                % {"start": self.date_from, "end": self.date_to}
            )
        name = "payroll_{}_{}{}.csv".format(
            self.date_from,
            self.date_to,
            f"_{self.job_id.job_number}" if self.job_id.job_number else "",
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": name,
                "mimetype": "text/csv",
                "raw": self._csv(lines).encode(),
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
