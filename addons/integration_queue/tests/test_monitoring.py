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
