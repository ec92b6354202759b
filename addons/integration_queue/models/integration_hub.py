# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from odoo.addons.queue_job.jobrunner.runner import PG_ADVISORY_LOCK_ID

SUITE_MODULES = (
    "integration_queue",
    "construction_project_sync",
    "equipment_costing",
    "ap_matching",
)


class IntegrationHub(models.AbstractModel):
    """State of the hub as a whole: what the health route and the metrics report."""

    _name = "integration.hub"
    _description = "Integration Hub State"

    @api.model
    def _suite_versions(self):
        modules = self.env["ir.module.module"].search_read(
            [("name", "in", SUITE_MODULES), ("state", "=", "installed")],
            ["name", "latest_version"],
        )
        return {m["name"]: m["latest_version"] for m in modules}

    @api.model
    def _database_state(self):
        self.env.cr.execute(
            "SELECT count(*) FROM ir_module_module WHERE state IN "
            "('to install', 'to upgrade', 'to remove')"
        )
        pending = self.env.cr.fetchone()[0]
        return {
            "state": "ok" if not pending else "modules_pending",
            "modules_pending": pending,
        }

    @api.model
    def _job_runner_present(self):
        """Whether queue_job's runner serves this database now. The runner holds a
        session-level advisory lock on the database for as long as it runs (its HA
        election), in whichever process or machine it lives, so PostgreSQL's lock
        table tells the truth in prefork mode and behind a proxy alike."""
        self.env.cr.execute(
            """
            SELECT count(*) FROM pg_locks
             WHERE locktype = 'advisory' AND granted AND objsubid = 1
               AND classid = %s AND objid = %s
               AND database = (SELECT oid FROM pg_database
                                WHERE datname = current_database())
            """,
            (PG_ADVISORY_LOCK_ID >> 32, PG_ADVISORY_LOCK_ID & 0xFFFFFFFF),
        )
        return bool(self.env.cr.fetchone()[0])

    @api.model
    def _queue_state(self):
        cr = self.env.cr
        cr.execute(
            """
            SELECT count(*) FILTER (WHERE state IN ('pending', 'enqueued')),
                   count(*) FILTER (WHERE state = 'started'),
                   count(*) FILTER (WHERE state = 'failed'),
                   extract(epoch FROM now() AT TIME ZONE 'UTC'
                           - min(coalesce(eta, date_created))
                             FILTER (WHERE state IN ('pending', 'enqueued')
                                     AND coalesce(eta, date_created)
                                         <= now() AT TIME ZONE 'UTC')),
                   max(date_done)
              FROM queue_job
            """
        )
        waiting, started, failed, oldest_job, last_done = cr.fetchone()
        cr.execute(
            """
            SELECT count(*),
                   extract(epoch FROM now() AT TIME ZONE 'UTC' - min(received_at))
              FROM integration_message
             WHERE state IN ('received', 'queued', 'failed', 'deferred')
            """
        )
        backlog, oldest_message = cr.fetchone()
        runner_present = self._job_runner_present()
        if not runner_present:
            runner = "absent"
        # A due job waiting for minutes means no runner is taking work.
        elif oldest_job and oldest_job > 300:
            runner = "stalled"
        elif waiting or started:
            runner = "busy"
        else:
            runner = "idle"
        return {
            "messages_waiting": backlog,
            "oldest_waiting_message_seconds": round(oldest_message or 0.0, 1),
            "jobs_waiting": waiting,
            "jobs_started": started,
            "jobs_failed": failed,
            "oldest_due_job_seconds": round(oldest_job or 0.0, 1),
            "last_job_done_at": last_done and last_done.isoformat() + "Z",
            "job_runner": {
                "state": runner,
                "present": runner_present,
            },
        }

    @api.model
    def _openapi_extra_paths(self):
        """OpenAPI path items of the business addons' own routes (not flows)."""
        return {}

    @api.model
    def _prometheus_metrics(self):
        """Prometheus text exposition (format 0.0.4) of the hub's counters."""
        cr = self.env.cr
        lines = []

        def quote(value):
            return str(value).replace("\\", "\\\\").replace('"', '\\"')

        def family(name, kind, help_text, samples):
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                label_text = ",".join(f'{k}="{quote(v)}"' for k, v in labels.items())
                lines.append(
                    f"{name}{{{label_text}}} {value}"
                    if label_text
                    else f"{name} {value}"
                )

        cr.execute(
            """
            SELECT f.code, s.code, m.state, count(*)
              FROM integration_message m
              JOIN integration_flow f ON f.id = m.flow_id
              JOIN integration_system s ON s.id = m.system_id
             GROUP BY f.code, s.code, m.state ORDER BY 1, 2, 3
            """
        )
        family(
            "construction_hub_messages",
            "gauge",
            "Messages by flow, system and state.",
            [
                ({"flow": f, "system": s, "state": st}, n)
                for f, s, st, n in cr.fetchall()
            ],
        )
        cr.execute(
            """
            SELECT f.code, s.code, st.backlog, st.oldest_waiting_seconds,
                   coalesce(st.latency_p50_ms, 0), coalesce(st.latency_p95_ms, 0),
                   st.received_24h, st.failed_24h
              FROM integration_flow_stats st
              JOIN integration_flow f ON f.id = st.flow_id
              JOIN integration_system s ON s.id = st.system_id
             ORDER BY 1, 2
            """
        )
        rows = cr.fetchall()
        family(
            "construction_hub_backlog",
            "gauge",
            "Messages waiting (received, queued, failed, deferred).",
            [({"flow": f, "system": s}, b) for f, s, b, *_r in rows],
        )
        family(
            "construction_hub_oldest_waiting_seconds",
            "gauge",
            "Age of the oldest waiting message.",
            [({"flow": f, "system": s}, round(o, 1)) for f, s, _b, o, *_r in rows],
        )
        family(
            "construction_hub_latency_ms",
            "gauge",
            "Received-to-done latency over the last 24 hours.",
            [
                ({"flow": f, "system": s, "quantile": q}, round(v, 1))
                for f, s, _b, _o, p50, p95, *_r in rows
                for q, v in (("0.5", p50), ("0.95", p95))
            ],
        )
        cr.execute(
            "SELECT state, count(*) FROM integration_exception "
            "GROUP BY state ORDER BY 1"
        )
        family(
            "construction_hub_exceptions",
            "gauge",
            "Integration exceptions by state.",
            [({"state": st}, n) for st, n in cr.fetchall()],
        )
        cr.execute(
            "SELECT state, count(*) FROM integration_outbox GROUP BY state ORDER BY 1"
        )
        family(
            "construction_hub_outbox_events",
            "gauge",
            "Outbound webhook events by state.",
            [({"state": st}, n) for st, n in cr.fetchall()],
        )
        names = {}
        burn_samples = []
        for (flow_id, system_id), by_window in sorted(
            self.env["integration.flow.metric"]._burn_rates().items()
        ):
            for window, (burn, _failed, _received) in sorted(by_window.items()):
                burn_samples.append(((flow_id, system_id, window), round(burn, 3)))
        if burn_samples:
            cr.execute(
                "SELECT 'f', id, code FROM integration_flow UNION ALL "
                "SELECT 's', id, code FROM integration_system"
            )
            names = {(kind, id_): code for kind, id_, code in cr.fetchall()}
        family(
            "construction_hub_slo_burn_rate",
            "gauge",
            "Failures over the SLO's error budget in the window (1 = on budget).",
            [
                (
                    {
                        "flow": names[("f", flow_id)],
                        "system": names[("s", system_id)],
                        "window": f"{window}h",
                    },
                    burn,
                )
                for (flow_id, system_id, window), burn in burn_samples
            ],
        )
        family(
            "construction_hub_job_runner_present",
            "gauge",
            "1 while queue_job's runner holds this database's runner lock.",
            [({}, int(self._job_runner_present()))],
        )
        cr.execute("SELECT state, count(*) FROM queue_job GROUP BY state ORDER BY 1")
        family(
            "construction_hub_jobs",
            "gauge",
            "queue_job jobs by state.",
            [({"state": st}, n) for st, n in cr.fetchall()],
        )
        return "\n".join(lines) + "\n"
