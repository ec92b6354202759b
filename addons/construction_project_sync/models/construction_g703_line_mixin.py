# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


def g703_figures(
    currency,
    retention_percent,
    scheduled,
    previous,
    previous_stored,
    this_period,
    stored,
):
    """The G703 columns of one schedule of values item (G to J and what this
    period bills), the same for the owner's pay applications and a subcontractor's:
    G = D + E + F, H = G / C, I = C - G, J = rate x (D + E) + rate x F, each part
    rounded; billed this period = E + F - previously stored."""
    rate = retention_percent / 100.0
    completed = previous + this_period
    total = completed + stored
    retainage_completed = currency.round(completed * rate)
    retainage_stored = currency.round(stored * rate)
    return {
        "total_to_date": total,
        "percent_complete": 100.0 * total / scheduled if scheduled else 0.0,
        "balance_to_finish": scheduled - total,
        "retainage_completed": retainage_completed,
        "retainage_stored": retainage_stored,
        "retainage": retainage_completed + retainage_stored,
        "amount_this_period": this_period + stored - previous_stored,
    }


class ConstructionG703LineMixin(models.AbstractModel):
    """The G703 columns of a pay application line, the owner's and a
    subcontractor's alike: what the line is given (C to F) and what follows from it
    (G to J). The line model has ``application_id`` (with ``retention_percent``)
    and gives ``currency_id`` its value."""

    _name = "construction.g703.line.mixin"
    _description = "Pay Application Line Columns (G703)"

    currency_id = fields.Many2one("res.currency")

    scheduled_value = fields.Monetary(readonly=True)
    previous_amount = fields.Monetary(
        string="From Previous Applications",
        readonly=True,
        help="Work completed on approved earlier applications (D + E of those).",
    )
    previous_stored = fields.Monetary(
        string="Previously Stored",
        readonly=True,
        help="Materials stored on the previous approved application.",
    )
    this_period = fields.Monetary(string="Work Completed This Period")
    materials_stored = fields.Monetary(
        string="Materials Presently Stored",
        help="The balance of stored materials not yet in place (not in D or E).",
    )
    total_to_date = fields.Monetary(
        string="Completed and Stored to Date", compute="_compute_figures", store=True
    )
    percent_complete = fields.Float(
        string="% (G / C)", compute="_compute_figures", store=True, digits=(16, 2)
    )
    balance_to_finish = fields.Monetary(compute="_compute_figures", store=True)
    retainage_completed = fields.Monetary(compute="_compute_figures", store=True)
    retainage_stored = fields.Monetary(compute="_compute_figures", store=True)
    retainage = fields.Monetary(compute="_compute_figures", store=True)
    amount_this_period = fields.Monetary(
        string="Billed This Period",
        compute="_compute_figures",
        store=True,
        help="Work completed this period plus the change in stored materials.",
    )

    def _g703_depends(self):
        inputs = [
            "scheduled_value",
            "previous_amount",
            "previous_stored",
            "this_period",
            "materials_stored",
        ]
        # the mixin itself has no application; each line model has
        if "application_id" in self._fields:
            inputs.append("application_id.retention_percent")
        return inputs

    @api.depends(_g703_depends)
    def _compute_figures(self):
        for line in self:
            line.update(
                g703_figures(
                    line.currency_id or self.env.company.currency_id,
                    line.application_id.retention_percent,
                    line.scheduled_value,
                    line.previous_amount,
                    line.previous_stored,
                    line.this_period,
                    line.materials_stored,
                )
            )
