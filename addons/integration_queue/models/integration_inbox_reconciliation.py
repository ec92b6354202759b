# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


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
