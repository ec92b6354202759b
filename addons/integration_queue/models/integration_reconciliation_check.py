# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class IntegrationReconciliationCheck(models.Model):
    _name = "integration.reconciliation.check"
    _description = "Reconciliation Check"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    implementation = fields.Char(
        required=True, help="Model inheriting integration.reconciliation.mixin."
    )
    active = fields.Boolean(default=True)
    run_by_cron = fields.Boolean(default=True)
    run_ids = fields.One2many("integration.reconciliation.run", "check_id")
    last_run_id = fields.Many2one(
        "integration.reconciliation.run", compute="_compute_last_run"
    )
    open_drift_count = fields.Integer(compute="_compute_last_run")

    _sql_constraints = [("code_uniq", "unique(code)", "A check code must be unique.")]

    def _compute_last_run(self):
        for check in self:
            check.last_run_id = check.run_ids[:1]
            check.open_drift_count = len(
                check.last_run_id.drift_ids.filtered(lambda d: d.state == "open")
            )

    def _run(self, companies, trigger="manual"):
        runs = self.env["integration.reconciliation.run"]
        for check in self:
            for company in companies:
                run = runs.create(
                    {"check_id": check.id, "company_id": company.id, "trigger": trigger}
                )
                try:
                    with self.env.cr.savepoint():
                        drift = self.env[check.implementation]._reconcile(
                            check, company
                        )
                        run._store_drift(drift)
                except Exception as exc:  # pylint: disable=broad-except
                    _logger.exception("Reconciliation %s failed", check.code)
                    run.write({"state": "failed", "error": str(exc)})
                runs |= run
        return runs

    def action_run(self):
        runs = self._run(self.env.companies)
        return runs._action_view()

    @api.model
    def _cron_run_all(self):
        checks = self.search([("run_by_cron", "=", True)])
        companies = self.env["res.company"].search([])
        return checks._run(companies, trigger="cron")
