# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class IntegrationReconciliationRun(models.Model):
    _name = "integration.reconciliation.run"
    _description = "Reconciliation Run"
    _order = "id desc"
    _rec_name = "check_id"

    check_id = fields.Many2one(
        "integration.reconciliation.check",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    trigger = fields.Selection([("cron", "Scheduled"), ("manual", "On demand")])
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="running",
        required=True,
    )
    started_at = fields.Datetime(default=fields.Datetime.now)
    finished_at = fields.Datetime()
    error = fields.Text()
    drift_ids = fields.One2many("integration.reconciliation.drift", "run_id")
    drift_count = fields.Integer(compute="_compute_drift_count", store=True)

    @api.depends("drift_ids")
    def _compute_drift_count(self):
        for run in self:
            run.drift_count = len(run.drift_ids)

    def _store_drift(self, drift):
        self.ensure_one()
        self.env["integration.reconciliation.drift"].create(
            [
                {
                    "run_id": self.id,
                    "reference": line.get("reference") or "",
                    "message": line.get("message") or "",
                    "res_model": line.get("res_model"),
                    "res_id": line.get("res_id"),
                    "expected": line.get("expected", 0.0),
                    "actual": line.get("actual", 0.0),
                    "fixable": bool(line.get("fixable")),
                }
                for line in drift
            ]
        )
        self.write({"state": "done", "finished_at": fields.Datetime.now()})

    def _action_view(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "integration_queue.action_integration_reconciliation_drift"
        )
        action["domain"] = [("run_id", "in", self.ids)]
        action["context"] = {"search_default_open": 1}
        return action
