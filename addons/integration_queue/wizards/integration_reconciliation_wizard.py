# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class IntegrationReconciliationWizard(models.TransientModel):
    _name = "integration.reconciliation.wizard"
    _description = "Run Reconciliation Checks"

    check_ids = fields.Many2many(
        "integration.reconciliation.check",
        "integration_reconciliation_wizard_check_rel",
        "wizard_id",
        "check_id",
        string="Checks",
        required=True,
        default=lambda self: self.env["integration.reconciliation.check"].search([]),
    )
    company_ids = fields.Many2many(
        "res.company",
        "integration_reconciliation_wizard_company_rel",
        "wizard_id",
        "company_id",
        required=True,
        default=lambda self: self.env.companies,
    )

    def action_run(self):
        runs = self.check_ids._run(self.company_ids, trigger="manual")
        return runs._action_view()
