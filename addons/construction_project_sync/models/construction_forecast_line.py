# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import contextvars

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# forecast lines whose cost to date the approval is writing now, in this thread
_SNAPSHOT = contextvars.ContextVar("construction_forecast_snapshot", default=False)

SNAPSHOT_FIELDS = ("actual_cost", "committed_cost")


class ConstructionForecastLine(models.Model):
    _name = "construction.forecast.line"
    _description = "Cost-to-Complete Forecast Line"
    _inherit = ["construction.job.line.mixin", "construction.approval.line.mixin"]
    _order = "forecast_id, phase_id, cost_code_id, cost_type"
    _approval_document_field = "forecast_id"

    forecast_id = fields.Many2one(
        "construction.forecast", required=True, ondelete="cascade", index=True
    )
    job_id = fields.Many2one(related="forecast_id.job_id", store=True, required=False)
    forecast_to_complete = fields.Monetary(
        help="What is still to be spent on this cost code beyond the actual and "
        "committed cost (open purchase orders and subcontracts)."
    )
    actual_cost = fields.Monetary(
        string="Actual at Approval",
        readonly=True,
        copy=False,
        help="Actual cost of the cost code when the forecast was approved.",
    )
    committed_cost = fields.Monetary(
        string="Committed at Approval",
        readonly=True,
        copy=False,
        help="Committed cost of the cost code when the forecast was approved.",
    )
    projected_cost = fields.Monetary(
        string="Projected at Completion",
        compute="_compute_projected_cost",
        store=True,
        help="Actual + committed at approval + forecast to complete.",
    )
    note = fields.Char(help="Why the forecast moved (the fade or gain explained).")

    @api.depends("actual_cost", "committed_cost", "forecast_to_complete")
    def _compute_projected_cost(self):
        for line in self:
            line.projected_cost = (
                line.actual_cost + line.committed_cost + line.forecast_to_complete
            )

    @contextlib.contextmanager
    def _forecast_snapshot_unlock(self):
        """Let the approval write the cost to date and the locked forecasts."""
        token = _SNAPSHOT.set(True)
        try:
            with self.forecast_id._approval_unlock():
                yield
        finally:
            _SNAPSHOT.reset(token)

    def _check_snapshot(self, vals):
        if _SNAPSHOT.get():
            return
        given = [name for name in SNAPSHOT_FIELDS if name in vals]
        if given:
            raise UserError(
                _(
                    "%(field)s is taken from job cost when the forecast is approved; "
                    "it cannot be written.",
                    field=self._fields[given[0]].string,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_snapshot(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_snapshot(vals)
        return super().write(vals)
