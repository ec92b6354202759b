from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, tagged

from .common import ingest, make_system


@tagged("post_install", "-at_install")
class TestFlowMetrics(TransactionCase):
    """The hourly rollup on a worked example. H is the start of the current hour;
    the clock stands 20 minutes into it.

    Two hours back (H-2), at :10, ten messages arrive and are done within the hour,
    latencies 100, 200 ... 1,000 ms: p50 = 550, p95 = 900 + 0.55 × 100 = 955
    (percentile_cont interpolates at 0.95 × 9 = 8.55). At :50 four more arrive: two
    are done at H-1 +5 min (latency 15 min), one is failed (waiting for its retry) and
    one is a dead letter.
      H-2: received 14, done 10, failed 2 (14.29 %), backlog at its end 3 (the two
           done later and the failed one; the dead letter left the backlog).
      H-1: received 0, done 2 (p50 900,000 ms), backlog 1, newest message 70 min old.
      H:   backlog 1, newest message 90 min old (the clock, not the hour's end).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = cls.env.ref("integration_queue.flow_echo")
        cls.echo.slo_target = 99.0
        cls.system, _key = make_system(cls.env, "metric_sys", cls.echo)
        cls.Metric = cls.env["integration.flow.metric"]
        cls.now = fields.Datetime.now().replace(minute=20, second=0, microsecond=0)
        cls.hour = cls.now.replace(minute=0)

    def post(self, count, received_at, prefix, system=None):
        ingest(
            self.env,
            system or self.system,
            self.echo,
            [{"n": i} for i in range(count)],
            prefix=prefix,
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE integration_message SET received_at = %s "
            "WHERE system_id = %s AND idempotency_key LIKE %s",
            (received_at, (system or self.system).id, f"{prefix}-%"),
        )

    def settle(self, keys, state, processed_at=None, latency_ms=None):
        self.env.cr.execute(
            "UPDATE integration_message SET state = %s, processed_at = %s, "
            "latency_ms = %s WHERE system_id = %s AND idempotency_key = ANY(%s)",
            (state, processed_at, latency_ms, self.system.id, keys),
        )

    def worked_example(self):
        early = self.hour - timedelta(hours=2, minutes=-10)
        self.post(10, early, "a")
        for i in range(10):
            self.settle(
                [f"a-{i}"],
                "done",
                early + timedelta(milliseconds=(i + 1) * 100),
                (i + 1) * 100,
            )
        late = self.hour - timedelta(hours=1, minutes=10)
        self.post(4, late, "b")
        later = self.hour - timedelta(minutes=55)
        self.settle(["b-0", "b-1"], "done", later, 15 * 60 * 1000)
        self.settle(["b-2"], "failed")
        self.settle(["b-3"], "dead")
        self.env.invalidate_all()

    def rows(self):
        return {
            m.hour: m for m in self.Metric.search([("system_id", "=", self.system.id)])
        }

    def test_rollup_on_the_worked_example(self):
        self.worked_example()
        self.Metric._rollup(hours=6, now=self.now)
        rows = self.rows()
        # the current hour and the six before it, every one of them, quiet or not
        self.assertEqual(
            sorted(rows), [self.hour - timedelta(hours=h) for h in range(6, -1, -1)]
        )
        two_back = rows[self.hour - timedelta(hours=2)]
        self.assertEqual(
            (two_back.received, two_back.done, two_back.failed, two_back.backlog),
            (14, 10, 2, 3),
        )
        self.assertAlmostEqual(two_back.failure_rate, 100 * 2 / 14, places=2)
        self.assertAlmostEqual(two_back.latency_p50_ms, 550.0)
        self.assertAlmostEqual(two_back.latency_p95_ms, 955.0)
        # burn rate: 14.29 % failures over a 1 % error budget
        self.assertAlmostEqual(two_back.burn_rate, 100 * 2 / 14 / 1.0, places=2)
        one_back = rows[self.hour - timedelta(hours=1)]
        self.assertEqual(
            (one_back.received, one_back.done, one_back.backlog), (0, 2, 1)
        )
        self.assertAlmostEqual(one_back.latency_p50_ms, 900000.0)
        self.assertAlmostEqual(one_back.freshness_minutes, 70.0)
        self.assertEqual(
            one_back.last_received_at, self.hour - timedelta(hours=1, minutes=10)
        )
        current = rows[self.hour]
        self.assertEqual(current.backlog, 1)
        self.assertAlmostEqual(current.freshness_minutes, 90.0)
        # nothing was known of this pair before its first message
        self.assertFalse(rows[self.hour - timedelta(hours=6)].last_received_at)
        self.assertEqual(two_back.company_id, self.system.company_id)
        self.assertEqual(two_back.criticality, self.echo.criticality)

    def test_rollup_again_updates_rather_than_adds(self):
        self.worked_example()
        self.Metric._rollup(hours=6, now=self.now)
        first = len(self.rows())
        # the failed message goes through on a retry: its hour is no longer failing
        self.settle(["b-2"], "done", self.now - timedelta(minutes=10), 50 * 60 * 1000)
        self.env.invalidate_all()
        self.Metric._rollup(hours=6, now=self.now)
        rows = self.rows()
        self.assertEqual(len(rows), first)
        two_back = rows[self.hour - timedelta(hours=2)]
        self.assertEqual((two_back.failed, two_back.backlog), (1, 3))
        self.assertEqual(rows[self.hour].backlog, 0)
        self.assertEqual(rows[self.hour].done, 1)

    def test_burning_the_error_budget_opens_one_exception_with_evidence(self):
        self.worked_example()
        self.Metric._rollup(hours=6, now=self.now)
        raised = self.Metric._check_slo_burn(now=self.now)
        mine = raised.filtered(lambda e: e.system_id == self.system)
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine.reason_code, "slo_burn")
        self.assertEqual(mine.flow_id, self.echo)
        # the 1-hour window (H-1 and H) saw no message; the 6-hour one did
        self.assertIn("last 6 h, 2 of 14 messages failed", mine.description)
        self.assertIn("SLO of 99.00 %", mine.description)
        self.assertIn("burn rate of 6.0", mine.description)
        again = self.Metric._check_slo_burn(now=self.now)
        self.assertFalse(again.filtered(lambda e: e.system_id == self.system))
        # the gauge Prometheus scrapes
        metrics = self.env["integration.hub"]._prometheus_metrics()
        self.assertIn(
            'construction_hub_slo_burn_rate{flow="echo",system="metric_sys",'
            'window="6h"} 14.286',
            metrics,
        )

    def test_no_alert_on_budget_or_on_too_few_messages(self):
        quiet, _key = make_system(self.env, "metric_quiet", self.echo)
        # three messages, all failed: 100 % but too few to mean anything
        self.post(3, self.hour, "q", system=quiet)
        self.env.cr.execute(
            "UPDATE integration_message SET state = 'dead' WHERE system_id = %s",
            (quiet.id,),
        )
        # fifty messages, none failed
        self.post(50, self.hour, "h")
        self.env.invalidate_all()
        self.Metric._rollup(hours=6, now=self.now)
        raised = self.Metric._check_slo_burn(now=self.now)
        self.assertFalse(
            raised.filtered(lambda e: e.system_id in (quiet | self.system))
        )

    def test_figures_are_read_only_and_per_company(self):
        self.worked_example()
        self.Metric._rollup(hours=6, now=self.now)
        manager_group = self.env.ref("integration_queue.group_integration_manager")
        manager = self.env["res.users"].create(
            {
                "name": "Integration manager",
                "login": "metric_manager",
                "groups_id": [(6, 0, manager_group.ids)],
            }
        )
        row = self.Metric.with_user(manager).search(
            [("system_id", "=", self.system.id)], limit=1
        )
        self.assertTrue(row)
        with self.assertRaises(AccessError):
            row.write({"failed": 0})
        with self.assertRaises(AccessError):
            self.Metric.with_user(manager).create(
                {
                    "hour": self.hour,
                    "flow_id": self.echo.id,
                    "system_id": self.system.id,
                }
            )
        with self.assertRaises(AccessError):
            row.unlink()
        other = self.env["res.company"].create({"name": "Metric Other Co"})
        outsider = self.env["res.users"].create(
            {
                "name": "Other company manager",
                "login": "metric_outsider",
                "company_id": other.id,
                "company_ids": [(6, 0, other.ids)],
                "groups_id": [(6, 0, manager_group.ids)],
            }
        )
        self.assertFalse(
            self.Metric.with_user(outsider).search([("system_id", "=", self.system.id)])
        )

    def test_slo_target_must_be_a_percentage(self):
        with self.assertRaises(ValidationError):
            self.echo.slo_target = 100.0
        self.env.ref("integration_queue.flow_partner_upsert").criticality = "critical"
        self.assertEqual(
            self.env.ref("integration_queue.flow_partner_upsert").slo_target, 99.9
        )


@tagged("post_install", "-at_install")
class TestAnomalies(TransactionCase):
    """The cron's detectors on a fortnight of hourly figures written as the rollup
    writes them: a system sending 60 messages an hour, 1 % failing, p95 800 ms."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = cls.env.ref("integration_queue.flow_echo")
        cls.system, _key = make_system(cls.env, "anomaly_sys", cls.echo)
        cls.Metric = cls.env["integration.flow.metric"]
        cls.now = fields.Datetime.now().replace(minute=5, second=0, microsecond=0)
        cls.judged = cls.now.replace(minute=0) - timedelta(hours=1)

    def history(self, last=None):
        """15 days of ordinary hours up to the judged one, which gets ``last``
        (received, failed, p95, freshness)."""
        rows = []
        for back in range(15 * 24, -1, -1):
            hour = self.judged - timedelta(hours=back)
            received, failed, p95, fresh = (60 + back % 3, back % 2, 800.0, 1.0)
            if back == 0 and last:
                received, failed, p95, fresh = last
            rows.append((hour, received, failed, p95, fresh))
        for hour, received, failed, p95, fresh in rows:
            self.env.cr.execute(
                """
                INSERT INTO integration_flow_metric
                    (hour, flow_id, system_id, company_id, received, failed,
                     failure_rate, latency_p95_ms, freshness_minutes)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                (
                    hour,
                    self.echo.id,
                    self.system.id,
                    self.system.company_id.id,
                    received,
                    failed,
                    100.0 * failed / received if received else 0.0,
                    p95,
                    fresh,
                ),
            )

    def found(self):
        raised = self.Metric._detect_anomalies(now=self.now)
        return raised.filtered(lambda e: e.system_id == self.system)

    def test_an_ordinary_hour_raises_nothing(self):
        self.history()
        self.assertFalse(self.found())

    def test_failure_spike_with_its_evidence_once(self):
        self.history(last=(60, 15, 800.0, 1.0))
        found = self.found()
        self.assertEqual(found.mapped("reason_code"), ["anomaly_failure_spike"])
        self.assertIn("25.0 % of messages failed (15)", found.description)
        self.assertIn("threshold 3.5", found.description)
        self.assertEqual(found.flow_id, self.echo)
        self.assertFalse(self.found(), "an open one is not opened again")

    def test_volume_drop_and_staleness(self):
        # five messages in the hour, the last one 70 minutes before its end
        self.history(last=(5, 0, 800.0, 70.0))
        codes = set(self.found().mapped("reason_code"))
        self.assertEqual(codes, {"anomaly_volume_drop", "anomaly_stale"})

    def test_threshold_is_the_managers_to_tune(self):
        self.history(last=(60, 15, 800.0, 1.0))
        self.echo.anomaly_threshold = 50.0
        self.assertFalse(self.found())
        with self.assertRaises(ValidationError):
            self.echo.anomaly_threshold = 0

    def test_owner_suggested_from_how_similar_ones_were_resolved(self):
        fixer = self.env["res.users"].create(
            {
                "name": "Usual fixer",
                "login": "anomaly_fixer",
                "groups_id": [
                    (6, 0, self.env.ref("integration_queue.group_integration_user").ids)
                ],
            }
        )
        Exception_ = self.env["integration.exception"]
        past = Exception_.browse()
        for _i in range(3):
            past |= Exception_._raise(
                "anomaly_volume_drop",
                "earlier drop",
                system=self.system,
                flow=self.echo,
            )
        past.write(
            {
                "state": "resolved",
                "resolved_by_id": fixer.id,
                "resolved_at": fields.Datetime.now(),
            }
        )
        self.history(last=(5, 0, 800.0, 1.0))
        found = self.found()
        self.assertEqual(found.suggested_owner_id, fixer)
        self.assertEqual(found.suggestion_basis, "Resolved 3 of the last 3 like it")
        # a suggestion assigns nothing by itself
        self.assertNotEqual(found.owner_id, fixer)
        found.action_assign_suggested_owner()
        self.assertEqual(found.owner_id, fixer)
        # no history for another reason: no suggestion
        other = Exception_._raise("anomaly_stale", "quiet", system=self.system)
        self.assertFalse(other.suggested_owner_id)
