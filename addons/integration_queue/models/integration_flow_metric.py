# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import _, api, fields, models

from ..lib import anomaly

WAITING = ("received", "queued", "failed", "deferred")
# Multiwindow burn-rate alerting (Google SRE workbook, "Alerting on SLOs"): spending 2 %
# of a 30-day error budget in one hour, or 5 % in six, is worth a person's attention.
BURN_WINDOWS = ((1, 14.4), (6, 6.0))
# below this many messages in a window, a few failures are noise, not a burn
BURN_MIN_MESSAGES = 10


class IntegrationFlowMetric(models.Model):
    """Hourly figures per flow and system, rolled up from the messages by a cron, so
    the dashboard and the SLO alerts read a few rows per hour, never the message
    table. The last hours are recomputed on every run: a message received at 10:00
    that dies at 12:00 counts as a failure of the 10:00 hour."""

    _name = "integration.flow.metric"
    _description = "Integration Flow Hourly Metric"
    _order = "hour desc, flow_id, system_id"
    _rec_name = "hour"

    hour = fields.Datetime(required=True, readonly=True, index=True)
    flow_id = fields.Many2one(
        "integration.flow", required=True, readonly=True, ondelete="cascade"
    )
    system_id = fields.Many2one(
        "integration.system", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    criticality = fields.Selection(
        [
            ("low", "Low"),
            ("normal", "Normal"),
            ("high", "High"),
            ("critical", "Critical"),
        ],
        readonly=True,
        help="The flow's criticality when the hour was rolled up.",
    )
    received = fields.Integer(readonly=True, help="Messages received in the hour.")
    done = fields.Integer(readonly=True, help="Messages processed in the hour.")
    failed = fields.Integer(
        readonly=True,
        help="Messages received in the hour that are now failed or dead letters.",
    )
    failure_rate = fields.Float(
        string="Failure rate (%)",
        readonly=True,
        aggregator="avg",
        help="Failed over received in the hour.",
    )
    latency_p50_ms = fields.Float(
        string="Latency p50 (ms)",
        readonly=True,
        aggregator="max",
        help="Median time from received to done of the messages processed in the hour.",
    )
    latency_p95_ms = fields.Float(
        string="Latency p95 (ms)", readonly=True, aggregator="max"
    )
    backlog = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Messages received and not yet processed at the end of the hour.",
    )
    last_received_at = fields.Datetime(
        readonly=True,
        aggregator="max",
        help="The newest message of this flow from this system at the end of the hour.",
    )
    freshness_minutes = fields.Float(
        readonly=True,
        aggregator="max",
        help="Minutes from the newest message to the end of the hour: how stale the "
        "data from this system was.",
    )
    burn_rate = fields.Float(
        readonly=True,
        aggregator="max",
        help="Failure rate over the error budget of the flow's SLO (100 % − target): "
        "1 spends the budget exactly over the SLO's period.",
    )

    _sql_constraints = [
        (
            "hour_flow_system_uniq",
            "unique(hour, flow_id, system_id)",
            "One figure per flow, system and hour.",
        )
    ]

    @api.model
    def _cron_rollup(self):
        self._rollup()
        self._check_slo_burn()
        self._detect_anomalies()

    @api.model
    def _rollup(self, hours=6, now=None):
        """Recompute the last ``hours`` hours (and the current one) in one statement.
        Flows and systems rolled up in the week before get a row for every hour, so
        a silent hour shows as growing staleness rather than as no data; staleness
        counts from the newest message the rollups have seen (the previous run's,
        carried forward), never from a scan of older messages."""
        now = now or fields.Datetime.now()
        end = now.replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(hours=hours)
        # The ORM is bypassed on purpose: one INSERT ... SELECT over the window is
        # what keeps the cron cheap at a million messages a day.
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH hours AS (
                SELECT generate_series(%(start)s::timestamp, %(end)s::timestamp,
                                       interval '1 hour') AS hour
            ), pairs AS (
                -- what was rolled up this week, and what is new in the window: no
                -- scan of the week's messages
                SELECT flow_id, system_id FROM integration_flow_metric
                 WHERE hour >= %(start)s::timestamp - interval '7 days'
                UNION
                SELECT flow_id, system_id FROM integration_message
                 WHERE received_at >= %(start)s
            ), received AS (
                SELECT flow_id, system_id, date_trunc('hour', received_at) AS hour,
                       count(*) AS received,
                       count(*) FILTER (WHERE state IN ('failed', 'dead')) AS failed,
                       max(received_at) AS newest
                  FROM integration_message
                 WHERE received_at >= %(start)s
                 GROUP BY 1, 2, 3
            ), prior AS (
                -- the newest message before the window, as the last rollup saw it
                SELECT flow_id, system_id, last_received_at
                  FROM integration_flow_metric
                 WHERE hour = %(start)s::timestamp - interval '1 hour'
            ), processed AS (
                SELECT flow_id, system_id, date_trunc('hour', processed_at) AS hour,
                       count(*) AS done,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
                  FROM integration_message
                 WHERE state = 'done' AND processed_at >= %(start)s
                 GROUP BY 1, 2, 3
            ), unfinished AS (
                -- what was waiting at some hour's end: still waiting, or processed
                -- later than that hour
                SELECT flow_id, system_id, received_at, processed_at, state
                  FROM integration_message
                 WHERE state IN %(waiting)s
                UNION ALL
                SELECT flow_id, system_id, received_at, processed_at, state
                  FROM integration_message
                 WHERE state = 'done' AND processed_at >= %(start)s
            ), backlog AS (
                SELECT u.flow_id, u.system_id, h.hour, count(*) AS backlog
                  FROM unfinished u
                  JOIN hours h ON u.received_at < h.hour + interval '1 hour'
                   AND (u.state IN %(waiting)s
                        OR u.processed_at >= h.hour + interval '1 hour')
                 GROUP BY 1, 2, 3
            ), rollup AS (
                SELECT h.hour, p.flow_id, p.system_id, s.company_id, f.criticality,
                       f.slo_target, r.received, r.failed, pr.done, pr.p50, pr.p95,
                       b.backlog,
                       coalesce(max(r.newest) OVER (
                                    PARTITION BY p.flow_id, p.system_id
                                    ORDER BY h.hour),
                                prior.last_received_at) AS last_received_at
                  FROM pairs p
                  CROSS JOIN hours h
                  JOIN integration_flow f ON f.id = p.flow_id
                  JOIN integration_system s ON s.id = p.system_id
                  LEFT JOIN received r ON r.flow_id = p.flow_id
                       AND r.system_id = p.system_id AND r.hour = h.hour
                  LEFT JOIN processed pr ON pr.flow_id = p.flow_id
                       AND pr.system_id = p.system_id AND pr.hour = h.hour
                  LEFT JOIN backlog b ON b.flow_id = p.flow_id
                       AND b.system_id = p.system_id AND b.hour = h.hour
                  LEFT JOIN prior ON prior.flow_id = p.flow_id
                       AND prior.system_id = p.system_id
            )
            INSERT INTO integration_flow_metric
                   (hour, flow_id, system_id, company_id, criticality, received,
                    done, failed, failure_rate, latency_p50_ms, latency_p95_ms,
                    backlog, last_received_at, freshness_minutes, burn_rate,
                    create_uid, create_date, write_uid, write_date)
            SELECT hour, flow_id, system_id, company_id, criticality,
                   coalesce(received, 0), coalesce(done, 0), coalesce(failed, 0),
                   coalesce(100.0 * failed / nullif(received, 0), 0),
                   p50, p95, coalesce(backlog, 0), last_received_at,
                   extract(epoch FROM least(hour + interval '1 hour',
                                            %(now)s::timestamp) - last_received_at)
                       / 60.0,
                   coalesce(100.0 * failed / nullif(received, 0), 0)
                       / greatest(100.0 - slo_target, 0.001),
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM rollup
            ON CONFLICT (hour, flow_id, system_id) DO UPDATE
               SET company_id = EXCLUDED.company_id,
                   criticality = EXCLUDED.criticality,
                   received = EXCLUDED.received, done = EXCLUDED.done,
                   failed = EXCLUDED.failed, failure_rate = EXCLUDED.failure_rate,
                   latency_p50_ms = EXCLUDED.latency_p50_ms,
                   latency_p95_ms = EXCLUDED.latency_p95_ms,
                   backlog = EXCLUDED.backlog,
                   last_received_at = EXCLUDED.last_received_at,
                   freshness_minutes = EXCLUDED.freshness_minutes,
                   burn_rate = EXCLUDED.burn_rate,
                   write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
            """,
            {
                "start": start,
                "end": end,
                "now": now,
                "waiting": WAITING,
                "uid": self.env.uid,
            },
        )
        self.invalidate_model()

    @api.model
    def _burn_rates(self, now=None):
        """{(flow id, system id): {window hours: (burn rate, failed, received)}} over
        each SLO window: the current hour and the ``window`` whole hours before it."""
        now = now or fields.Datetime.now()
        current = now.replace(minute=0, second=0, microsecond=0)
        rates = {}
        for window, _threshold in BURN_WINDOWS:
            self.env.cr.execute(
                """
                SELECT m.flow_id, m.system_id, sum(m.failed), sum(m.received),
                       100.0 * sum(m.failed) / nullif(sum(m.received), 0)
                           / greatest(100.0 - f.slo_target, 0.001)
                  FROM integration_flow_metric m
                  JOIN integration_flow f ON f.id = m.flow_id
                 WHERE m.hour >= %s
                 GROUP BY m.flow_id, m.system_id, f.slo_target
                """,
                (current - timedelta(hours=window),),
            )
            for flow_id, system_id, failed, received, burn in self.env.cr.fetchall():
                rates.setdefault((flow_id, system_id), {})[window] = (
                    burn or 0.0,
                    failed,
                    received,
                )
        return rates

    @api.model
    def _check_slo_burn(self, now=None):
        """Open one exception per flow and system burning its error budget too fast,
        with the evidence; an open one is not opened again."""
        exceptions = self.env["integration.exception"]
        open_pairs = {
            (e.flow_id.id, e.system_id.id)
            for e in exceptions.search(
                [
                    ("reason_code", "=", "slo_burn"),
                    ("state", "in", ("open", "in_progress")),
                ]
            )
        }
        raised = exceptions
        for (flow_id, system_id), by_window in self._burn_rates(now).items():
            if (flow_id, system_id) in open_pairs:
                continue
            for window, threshold in BURN_WINDOWS:
                burn, failed, received = by_window.get(window, (0.0, 0, 0))
                if received < BURN_MIN_MESSAGES or burn < threshold:
                    continue
                flow = self.env["integration.flow"].browse(flow_id)
                system = self.env["integration.system"].browse(system_id)
                text = _(
                    "%(flow)s from %(system)s is burning its error budget %(burn).1f× "
                    "too fast\n"
                    "Over the last %(window)s h, %(failed)s of %(received)s messages "
                    "failed (%(rate).2f %%) against an SLO of %(target).2f %% success "
                    "(error budget %(budget).2f %%). The alert threshold for this "
                    "window is a burn rate of %(threshold)s.",
                    flow=flow.name,
                    system=system.name,
                    burn=burn,
                    window=window,
                    failed=failed,
                    received=received,
                    rate=100.0 * failed / received,
                    target=flow.slo_target,
                    budget=100.0 - flow.slo_target,
                    threshold=threshold,
                )
                raised |= exceptions._raise("slo_burn", text, system=system, flow=flow)
                break
        return raised

    # ------------------------------------------------------------------ anomalies
    @api.model
    def _detect_anomalies(self, now=None):
        """Judge the last whole hour of every flow and system against its own
        history (lib/anomaly.py): failure-rate spike, volume drop and staleness
        against the same hour of the days before, latency creep over the last day.
        Each finding opens one exception with its evidence; an open one of the same
        kind for the same flow and system is not opened again."""
        now = now or fields.Datetime.now()
        judged = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        self.env.cr.execute(
            """
            SELECT flow_id, system_id, hour, received, failed, failure_rate,
                   latency_p95_ms, freshness_minutes
              FROM integration_flow_metric
             WHERE hour >= %s AND hour <= %s
             ORDER BY flow_id, system_id, hour
            """,
            (judged - timedelta(days=15), judged),
        )
        history = {}
        for flow_id, system_id, *row in self.env.cr.fetchall():
            history.setdefault((flow_id, system_id), []).append(row)
        exceptions = self.env["integration.exception"]
        open_ones = {
            (e.flow_id.id, e.system_id.id, e.reason_code)
            for e in exceptions.search(
                [
                    ("reason_code", "=like", "anomaly_%"),
                    ("state", "in", ("open", "in_progress")),
                ]
            )
        }
        flows = self.env["integration.flow"].browse({f for f, _s in history})
        threshold = {flow.id: flow.anomaly_threshold for flow in flows}
        raised = exceptions
        for (flow_id, system_id), rows in history.items():
            findings = self._anomalies_of(rows, judged, threshold[flow_id])
            for code, evidence in findings:
                if (flow_id, system_id, code) in open_ones:
                    continue
                raised |= exceptions._raise(
                    code,
                    self._anomaly_text(code, evidence, flow_id, system_id, judged),
                    system=self.env["integration.system"].browse(system_id),
                    flow=self.env["integration.flow"].browse(flow_id),
                )
        return raised

    @api.model
    def _anomalies_of(self, rows, judged, threshold):
        """[(reason code, evidence)] for one flow and system; ``rows`` are
        (hour, received, failed, failure rate, p95, freshness) in hour order."""
        current = next((r for r in rows if r[0] == judged), None)
        if not current:
            return []
        _hour, received, failed, rate, _p95, freshness = current
        week = judged - timedelta(days=7)
        fortnight = judged - timedelta(days=14)
        day = judged - timedelta(hours=23)
        same_hour = [
            r[1]
            for r in rows
            if fortnight <= r[0] < judged and r[0].hour == judged.hour
        ]
        tests = (
            (
                "anomaly_failure_spike",
                anomaly.failure_spike(
                    rate,
                    failed,
                    received,
                    [r[3] for r in rows if week <= r[0] < judged and r[1]],
                    threshold,
                ),
            ),
            (
                "anomaly_volume_drop",
                anomaly.volume_drop(received, same_hour, threshold),
            ),
            ("anomaly_stale", anomaly.stale(freshness, same_hour, threshold)),
            (
                "anomaly_latency_creep",
                anomaly.latency_creep(
                    [r[4] for r in rows if r[0] >= day and r[4] is not None],
                    [
                        r[4]
                        for r in rows
                        if week - timedelta(days=1) <= r[0] < day and r[4] is not None
                    ],
                    threshold,
                ),
            ),
        )
        return [(code, evidence) for code, evidence in tests if evidence]

    @api.model
    def _anomaly_text(self, code, evidence, flow_id, system_id, judged):
        flow = self.env["integration.flow"].browse(flow_id)
        system = self.env["integration.system"].browse(system_id)
        names = {"flow": flow.name, "system": system.name, "hour": judged, **evidence}
        if code == "anomaly_failure_spike":
            return _(
                "Failure spike: %(flow)s from %(system)s\n"
                "In the hour from %(hour)s UTC, %(value)s %% of messages failed "
                "(%(failed)s); the flow usually fails %(median)s %% (median of "
                "%(samples)s hours, MAD %(mad)s). Score %(score)s, threshold "
                "%(threshold)s.",
                **names,
            )
        if code == "anomaly_volume_drop":
            return _(
                "Volume drop: %(flow)s from %(system)s\n"
                "In the hour from %(hour)s UTC, %(value)s messages arrived; at this "
                "hour it usually sends %(median)s (median of the same hour on "
                "%(samples)s days, MAD %(mad)s). Score %(score)s, threshold "
                "-%(threshold)s.",
                **names,
            )
        if code == "anomaly_stale":
            return _(
                "No data: %(flow)s from %(system)s\n"
                "Nothing for %(value)s minutes; at this hour it usually sends "
                "%(usual_per_hour)s messages (one every %(usual_gap_minutes)s "
                "minutes, median of %(samples)s days). The limit is %(threshold)s "
                "times its usual gap, and an hour at least: %(limit_minutes)s minutes.",
                **names,
            )
        return _(
            "Latency creep: %(flow)s from %(system)s\n"
            "Over the last day its p95 latency was typically %(value)s ms, %(ratio)s "
            "times the week before (median %(median)s ms of %(samples)s hours, MAD "
            "%(mad)s). Score %(score)s, threshold %(threshold)s.",
            **names,
        )
