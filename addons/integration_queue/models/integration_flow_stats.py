# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools


class IntegrationFlowStats(models.Model):
    """Per flow and system over the last 24 hours: throughput, failures, latency
    percentiles, backlog and the oldest waiting message. An SQL view, not loops."""

    _name = "integration.flow.stats"
    _description = "Integration Flow Health"
    _auto = False
    _order = "backlog desc, flow_id"

    flow_id = fields.Many2one("integration.flow", readonly=True)
    system_id = fields.Many2one("integration.system", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    received_24h = fields.Integer(string="Received (24 h)", readonly=True)
    done_24h = fields.Integer(string="Done (24 h)", readonly=True)
    failed_24h = fields.Integer(string="Failed or dead (24 h)", readonly=True)
    failure_rate = fields.Float(
        string="Failure rate (%)", readonly=True, aggregator="avg"
    )
    latency_p50_ms = fields.Float(
        string="Latency p50 (ms)", readonly=True, aggregator="max"
    )
    latency_p95_ms = fields.Float(
        string="Latency p95 (ms)", readonly=True, aggregator="max"
    )
    backlog = fields.Integer(readonly=True)
    dead = fields.Integer(string="Dead letters", readonly=True)
    oldest_waiting_at = fields.Datetime(readonly=True, aggregator="min")
    oldest_waiting_seconds = fields.Float(readonly=True, aggregator="max")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS (
                SELECT row_number() OVER (ORDER BY m.flow_id, m.system_id) AS id,
                       m.flow_id, m.system_id, min(m.company_id) AS company_id,
                       count(*) FILTER (WHERE m.received_at > now() AT TIME ZONE 'UTC'
                                        - interval '24 hours') AS received_24h,
                       count(*) FILTER (WHERE m.state = 'done' AND m.processed_at >
                                        now() AT TIME ZONE 'UTC' - interval '24 hours')
                           AS done_24h,
                       count(*) FILTER (WHERE m.state IN ('failed', 'dead')
                                        AND m.received_at > now() AT TIME ZONE 'UTC'
                                        - interval '24 hours') AS failed_24h,
                       coalesce(100.0 * count(*) FILTER (
                           WHERE m.state IN ('failed', 'dead') AND m.received_at >
                                 now() AT TIME ZONE 'UTC' - interval '24 hours')
                           / nullif(count(*) FILTER (WHERE m.received_at >
                                 now() AT TIME ZONE 'UTC' - interval '24 hours'), 0), 0)
                           AS failure_rate,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY m.latency_ms)
                           FILTER (WHERE m.state = 'done' AND m.processed_at >
                                   now() AT TIME ZONE 'UTC' - interval '24 hours')
                           AS latency_p50_ms,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY m.latency_ms)
                           FILTER (WHERE m.state = 'done' AND m.processed_at >
                                   now() AT TIME ZONE 'UTC' - interval '24 hours')
                           AS latency_p95_ms,
                       count(*) FILTER (WHERE m.state IN
                           ('received', 'queued', 'failed', 'deferred')) AS backlog,
                       count(*) FILTER (WHERE m.state = 'dead') AS dead,
                       min(m.received_at) FILTER (WHERE m.state IN
                           ('received', 'queued', 'failed', 'deferred'))
                           AS oldest_waiting_at,
                       coalesce(extract(epoch FROM now() AT TIME ZONE 'UTC' -
                           min(m.received_at) FILTER (WHERE m.state IN
                           ('received', 'queued', 'failed', 'deferred'))), 0)
                           AS oldest_waiting_seconds
                  FROM integration_message m
                 WHERE m.received_at > now() AT TIME ZONE 'UTC' - interval '24 hours'
                    OR m.processed_at > now() AT TIME ZONE 'UTC' - interval '24 hours'
                    OR m.state IN ('received', 'queued', 'failed', 'deferred', 'dead')
                 GROUP BY m.flow_id, m.system_id
            )
            """
        )
