# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import UserError


class IntegrationReconciliationDrift(models.Model):
    _name = "integration.reconciliation.drift"
    _inherit = ["integration.scoped.mixin"]
    _description = "Reconciliation Drift"
    _order = "id desc"
    _rec_name = "reference"

    run_id = fields.Many2one(
        "integration.reconciliation.run", required=True, ondelete="cascade", index=True
    )
    check_id = fields.Many2one(related="run_id.check_id", store=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    reference = fields.Char(required=True)
    message = fields.Text()
    res_model = fields.Char(string="Model")
    res_id = fields.Many2oneReference(string="Record", model_field="res_model")
    expected = fields.Float()
    actual = fields.Float()
    difference = fields.Float(compute="_compute_difference", store=True)
    fixable = fields.Boolean()
    state = fields.Selection(
        [("open", "Open"), ("fixed", "Fixed"), ("ignored", "Ignored")],
        default="open",
        required=True,
    )

    @api.depends("expected", "actual")
    def _compute_difference(self):
        for line in self:
            line.difference = line.actual - line.expected

    def action_fix(self):
        lines = self.filtered(lambda d: d.state == "open" and d.fixable)
        if not lines:
            raise UserError(_("None of these lines has an automatic fix."))
        for check in lines.check_id:
            subset = lines.filtered(lambda d, c=check: d.check_id == c)
            self.env[check.implementation]._fix(subset)
        lines.write({"state": "fixed"})

    def action_ignore(self):
        self.write({"state": "ignored"})
