# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class IntegrationReconciliationMixin(models.AbstractModel):
    """What a business addon implements to add a reconciliation check.

    ``_reconcile(check, company)`` returns the drift as a list of dicts with
    reference, message and optionally res_model, res_id, expected, actual, fixable.
    ``_fix(drift_lines)`` repairs the lines marked fixable.
    """

    _name = "integration.reconciliation.mixin"
    _description = "Integration Reconciliation Check Implementation"

    @api.model
    def _reconcile(self, check, company):
        raise NotImplementedError

    @api.model
    def _fix(self, drift_lines):
        raise UserError(_("This check offers no automatic fix."))


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


class IntegrationReconciliationDrift(models.Model):
    _name = "integration.reconciliation.drift"
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


class IntegrationInboxReconciliation(models.AbstractModel):
    """The hub's own check: every waiting message has a live job behind it."""

    _name = "integration.inbox.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "Inbox vs Job Queue Reconciliation"

    @api.model
    def _reconcile(self, check, company):
        self.env.cr.execute(
            """
            SELECT m.id, m.state, m.idempotency_key, f.code, j.state
              FROM integration_message m
              JOIN integration_flow f ON f.id = m.flow_id
              LEFT JOIN queue_job j ON j.uuid = m.job_uuid
             WHERE m.company_id = %s
               AND m.state IN ('queued', 'failed')
               AND (j.id IS NULL OR j.state IN ('done', 'cancelled', 'failed'))
            """,
            [company.id],
        )
        return [
            {
                "reference": f"{flow} {key}",
                "message": _(
                    "Message is %(state)s but its job is %(job)s: it would never be "
                    "processed.",
                    state=state,
                    job=job_state or _("missing"),
                ),
                "res_model": "integration.message",
                "res_id": msg_id,
                "expected": 1,
                "actual": 0,
                "fixable": True,
            }
            for msg_id, state, key, flow, job_state in self.env.cr.fetchall()
        ]

    @api.model
    def _fix(self, drift_lines):
        messages = self.env["integration.message"].browse(drift_lines.mapped("res_id"))
        messages.filtered(lambda m: m.state in ("queued", "failed"))._enqueue()
