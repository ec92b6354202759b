# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# pay applications in these states have billed their lines
BILLED_STATES = ("approved", "invoiced")


class ConstructionSovLine(models.Model):
    """A line of a job's schedule of values: the contract sum broken down into
    items the owner is billed against (AIA G703 column A to C).

    The lines of a job are its schedule of values: the original contract's items,
    entered by a person, and one item per priced line of each approved owner change
    order, added by the approval itself. The field reports completion on them
    (flow progress.update); only an approved pay application bills them.
    """

    _name = "construction.sov.line"
    _description = "Schedule of Values Line"
    _inherit = ["integration.lineage.mixin"]
    _order = "job_id, sequence, id"

    job_id = fields.Many2one(
        "project.project",
        required=True,
        ondelete="cascade",
        index=True,
        domain=[("is_job", "=", True)],
    )
    company_id = fields.Many2one(related="job_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="job_id.currency_id")
    sequence = fields.Integer(default=10)
    item = fields.Char(string="Item No.", required=True)
    name = fields.Char(string="Description of Work", required=True)
    cost_code_id = fields.Many2one(
        "construction.cost.code",
        ondelete="restrict",
        domain="[('company_id', 'in', [company_id, False])]",
    )
    scheduled_value = fields.Monetary()
    change_order_id = fields.Many2one(
        "construction.change.order",
        readonly=True,
        ondelete="restrict",
        index=True,
        help="The approved owner change order that added this item; empty for the "
        "items of the original contract.",
    )
    origin = fields.Selection(
        [("contract", "Original Contract"), ("change_order", "Change Order")],
        compute="_compute_origin",
        store=True,
    )
    reported_percent = fields.Float(
        string="Reported Complete (%)",
        digits=(16, 2),
        readonly=True,
        help="Completion to date the field reported (flow progress.update). A "
        "suggestion for the next pay application, never a billing.",
    )
    reported_stored = fields.Monetary(string="Reported Stored Materials", readonly=True)
    reported_period_end = fields.Date(readonly=True)
    reported_at = fields.Datetime(readonly=True)
    reported_system_id = fields.Many2one(
        "integration.system", string="Reported By", readonly=True
    )
    pay_line_ids = fields.One2many(
        "construction.pay.application.line", "sov_line_id", readonly=True
    )
    billed_to_date = fields.Monetary(
        string="Completed and Stored to Date",
        compute="_compute_billed",
        help="On approved pay applications.",
    )
    billed_percent = fields.Float(
        string="Billed (%)", compute="_compute_billed", digits=(16, 2)
    )
    balance_to_finish = fields.Monetary(compute="_compute_billed")

    _sql_constraints = [
        (
            "item_job_uniq",
            "unique(job_id, item)",
            "An item number is unique in a job's schedule of values.",
        )
    ]

    @api.depends("change_order_id")
    def _compute_origin(self):
        for line in self:
            line.origin = "change_order" if line.change_order_id else "contract"

    @api.depends("item", "name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.item} {line.name}"

    @api.depends("scheduled_value", "pay_line_ids.this_period", "pay_line_ids.state")
    def _compute_billed(self):
        billed = self.pay_line_ids.filtered(lambda pl: pl.state in BILLED_STATES)
        for line in self:
            lines = billed.filtered(lambda pl, line=line: pl.sov_line_id == line)
            last = lines.sorted(lambda pl: pl.application_id.number)[-1:]
            line.billed_to_date = sum(lines.mapped("this_period")) + (
                last.materials_stored or 0.0
            )
            line.billed_percent = (
                100.0 * line.billed_to_date / line.scheduled_value
                if line.scheduled_value
                else 0.0
            )
            line.balance_to_finish = line.scheduled_value - line.billed_to_date

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("job_id") and "sequence" not in vals:
                last = self.search(
                    [("job_id", "=", vals["job_id"])], order="sequence desc", limit=1
                )
                vals["sequence"] = (last.sequence or 0) + 10
        return super().create(vals_list)

    def write(self, vals):
        if {"scheduled_value", "job_id"} & set(vals):
            for line in self:
                if line.change_order_id:
                    raise UserError(
                        _(
                            "Item %(item)s comes from change order %(co)s: its value "
                            "changes only through another change order.",
                            item=line.item,
                            co=line.change_order_id.display_name,
                        )
                    )
                if line.pay_line_ids.filtered(lambda pl: pl.state in BILLED_STATES):
                    raise UserError(
                        _(
                            "Item %s has been billed on an approved pay application: "
                            "its scheduled value now changes through a change order.",
                            line.item,
                        )
                    )
        return super().write(vals)

    def unlink(self):
        for line in self:
            if line.change_order_id:
                raise UserError(
                    _(
                        "Item %(item)s comes from approved change order %(co)s and "
                        "stays on the schedule of values.",
                        item=line.item,
                        co=line.change_order_id.display_name,
                    )
                )
            if line.pay_line_ids:
                raise UserError(
                    _(
                        "Item %s is on a pay application and cannot be deleted.",
                        line.item,
                    )
                )
        return super().unlink()
