# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, models


class ConstructionMissingJobReconciliation(models.AbstractModel):
    """Jobs the PM platform sent that Odoo does not have: a job.upsert whose external
    id maps to no job (its message failed, died or was rejected), or whose job was
    deleted since."""

    _name = "construction.missing.job.reconciliation"
    _inherit = "integration.reconciliation.mixin"
    _description = "PM Platform Jobs Without an Odoo Job"

    @api.model
    def _reconcile(self, check, company):
        self.env.cr.execute(
            """
            SELECT DISTINCT ON (m.system_id, m.payload::jsonb ->> 'external_id')
                   m.id, s.name, m.payload::jsonb ->> 'external_id',
                   m.payload::jsonb ->> 'job_number', m.state
              FROM integration_message m
              JOIN integration_flow f ON f.id = m.flow_id AND f.code = 'job.upsert'
              JOIN integration_system s ON s.id = m.system_id
              LEFT JOIN integration_mapping map
                ON map.system_id = m.system_id AND map.res_model = 'project.project'
               AND map.external_id = m.payload::jsonb ->> 'external_id'
              LEFT JOIN project_project job ON job.id = map.res_id
             WHERE m.company_id = %s
               AND m.state NOT IN ('queued', 'received')
               AND job.id IS NULL
             ORDER BY m.system_id, m.payload::jsonb ->> 'external_id', m.id DESC
            """,
            [company.id],
        )
        return [
            {
                "reference": f"{system} {external_id}",
                "message": _(
                    "%(system)s has job %(number)s (%(ref)s) but Odoo has none: its "
                    "last "
                    "message is %(state)s.",
                    system=system,
                    number=number or "?",
                    ref=external_id,
                    state=state,
                ),
                "res_model": "integration.message",
                "res_id": message_id,
                "expected": 1,
                "actual": 0,
                "fixable": state in ("failed", "dead", "done"),
            }
            for message_id, system, external_id, number, state in self.env.cr.fetchall()
        ]

    @api.model
    def _fix(self, drift_lines):
        """Replay the job's last message: it creates the job again (the hub's
        mapping gives way when its job was deleted)."""
        messages = self.env["integration.message"].browse(drift_lines.mapped("res_id"))
        done = messages.filtered(lambda m: m.state == "done")
        (messages - done).action_replay()
        done.action_replay(force=True)
