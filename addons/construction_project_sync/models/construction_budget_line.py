# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ConstructionBudgetLine(models.Model):
    _name = "construction.budget.line"
    _description = "Job Budget Line"
    _inherit = ["construction.job.line.mixin", "construction.approval.line.mixin"]
    _order = "budget_id, phase_id, cost_code_id, cost_type"
    _approval_document_field = "budget_id"

    budget_id = fields.Many2one(
        "construction.budget", required=True, ondelete="cascade", index=True
    )
    job_id = fields.Many2one(related="budget_id.job_id", store=True, required=False)
    description = fields.Char()
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")
    uom_id = fields.Many2one("uom.uom", string="UoM")
    labor_hours = fields.Float(
        string="Budgeted Labour Hours",
        digits=(16, 2),
        help="The labour hours this line's quantity is estimated to take: with the "
        "quantity, the budgeted hours per unit that earned hours and productivity "
        "are measured against.",
    )
    unit_cost = fields.Monetary()
    amount = fields.Monetary(
        compute="_compute_amount", store=True, readonly=False, precompute=True
    )

    @api.depends("quantity", "unit_cost")
    def _compute_amount(self):
        for line in self:
            line.amount = (
                line.currency_id.round(line.quantity * line.unit_cost)
                if line.currency_id
                else line.quantity * line.unit_cost
            )
