# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ConstructionInstalledQuantity(models.Model):
    """How much of a cost code's work is in place on a job, measured to a day:
    cubic metres poured, metres of pipe laid.

    The quantity is cumulative (everything installed up to and including that
    day), one record per job × cost code × day, reported by the field (flow
    ``progress.quantities``) or entered by a person. What is installed on any day
    is the latest record on or before it, so a resent report changes nothing and
    a late report for an earlier day fills that day without hiding newer ones.
    The unit is the one of the cost code's budget, which percent complete by
    quantity divides by.
    """

    _name = "construction.installed.quantity"
    _description = "Installed Quantity"
    _inherit = [
        "mail.thread",
        "integration.lineage.mixin",
        "construction.job.line.mixin",
    ]
    _order = "job_id, cost_code_id, date desc"
    _rec_name = "cost_code_id"

    date = fields.Date(
        string="Measured To",
        required=True,
        index=True,
        default=fields.Date.context_today,
        tracking=True,
        help="The quantity is what is in place at the end of this day.",
    )
    quantity_to_date = fields.Float(
        string="Installed to Date",
        required=True,
        digits="Product Unit of Measure",
        tracking=True,
        help="Cumulative: everything installed for this cost code on the job up to "
        "and including the day, not the increment since the last report.",
    )
    uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        ondelete="restrict",
        help="The unit of the cost code's budget quantity; reports in another unit "
        "of the same kind are converted to it.",
    )
    note = fields.Char()

    _sql_constraints = [
        (
            "job_cost_code_date_uniq",
            "unique(job_id, cost_code_id, date)",
            "A cost code has one installed quantity per job and day: correct that "
            "record instead.",
        ),
        (
            "quantity_positive",
            "CHECK(quantity_to_date >= 0)",
            "An installed quantity cannot be negative.",
        ),
    ]

    @api.depends("job_id", "cost_code_id", "date")
    def _compute_display_name(self):
        for record in self:
            record.display_name = _(
                "%(job)s / %(code)s to %(date)s",
                job=record.job_id.job_number or record.job_id.name or "",
                code=record.cost_code_id.code or "",
                date=record.date or "",
            )

    @api.model
    def _budget_units(self, job, cost_codes):
        """{cost code id: the unit of its quantity on the job's approved budget}."""
        lines = self.env["construction.budget.line"].search(
            [
                ("budget_id.job_id", "=", job.id),
                ("budget_id.state", "=", "approved"),
                ("cost_code_id", "in", cost_codes.ids),
                ("uom_id", "!=", False),
            ]
        )
        return {line.cost_code_id.id: line.uom_id for line in lines}

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if (
                not vals.get("uom_id")
                and vals.get("job_id")
                and vals.get("cost_code_id")
            ):
                cost_code = self.env["construction.cost.code"].browse(
                    vals["cost_code_id"]
                )
                unit = self._budget_units(
                    self.env["project.project"].browse(vals["job_id"]), cost_code
                ).get(cost_code.id)
                if unit:
                    vals["uom_id"] = unit.id
        return super().create(vals_list)

    @api.constrains("job_id", "cost_code_id", "uom_id")
    def _check_budget_unit(self):
        for record in self.filtered("uom_id"):
            unit = self._budget_units(record.job_id, record.cost_code_id).get(
                record.cost_code_id.id
            )
            if unit and unit != record.uom_id:
                raise ValidationError(
                    _(
                        "%(code)s is budgeted in %(unit)s on %(job)s: enter its "
                        "installed quantity in %(unit)s, not %(other)s.",
                        code=record.cost_code_id.display_name,
                        unit=unit.name,
                        job=record.job_id.display_name,
                        other=record.uom_id.name,
                    )
                )

    @api.constrains("job_id", "cost_code_id")
    def _check_cost_code_company(self):
        for record in self:
            company = record.job_id.company_id
            if company and record.cost_code_id.company_id != company:
                raise ValidationError(
                    _(
                        "Cost code %(code)s belongs to another company than job "
                        "%(job)s.",
                        code=record.cost_code_id.display_name,
                        job=record.job_id.display_name,
                    )
                )
