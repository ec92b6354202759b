# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError

APPROVER = "construction_project_sync.group_project_approver"


class ConstructionRetentionRelease(models.TransientModel):
    """Bills (part of) the retention a job's customer holds back, as an invoice of
    its own; never more than is held."""

    _name = "construction.retention.release"
    _description = "Release Retention"

    job_id = fields.Many2one(
        "project.project", required=True, domain=[("is_job", "=", True)]
    )
    currency_id = fields.Many2one(related="job_id.currency_id")
    retention_held = fields.Monetary(compute="_compute_retention_held")
    amount = fields.Monetary(
        string="Amount to Release",
        compute="_compute_amount",
        store=True,
        readonly=False,
        precompute=True,
    )
    description = fields.Char(
        default=lambda self: _("Retention release"),
        required=True,
        help="The invoice line's label.",
    )

    @api.depends("job_id")
    def _compute_retention_held(self):
        for wizard in self:
            wizard.retention_held = (
                wizard.job_id._retention_held_amounts()[wizard.job_id]
                if wizard.job_id
                else 0.0
            )

    @api.depends("job_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.retention_held

    def action_release(self):
        self.ensure_one()
        if not self.env.user.has_group(APPROVER):
            raise UserError(_("Only an approver may release retention."))
        move = self.job_id._create_retention_release(self.amount, self.description)
        if self.env.user.has_group("account.group_account_invoice"):
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": move.id,
                "view_mode": "form",
            }
        return {"type": "ir.actions.act_window_close"}
