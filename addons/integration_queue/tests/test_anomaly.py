"""The anomaly tests (lib/anomaly.py) on synthetic hourly series with known
incidents: precision and recall are computed and logged (the README quotes them),
and held to a floor. Plain pytest, no Odoo needed; the cron's use of the same
functions on the rollup is tested in test_monitoring.py."""

import logging
import math
import random

from ..lib import anomaly

_logger = logging.getLogger(__name__)
THRESHOLD = 3.5
DAYS = 42


def working_day(hour):
    """Messages an hour for a field system: busy from 6 to 18, a trickle at night."""
    return 60 if 6 <= hour < 18 else 2


def poisson(rng, lam):
    # Knuth's method is fine at these rates
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def series(seed):
    """42 days of hourly (received, failed, p95) with incidents on known hours:
    failure spikes, outages (volume drops) and a latency creep in the last week."""
    rng = random.Random(seed)
    hours = DAYS * 24
    received = [poisson(rng, working_day(h % 24)) for h in range(hours)]
    failed = [
        sum(rng.random() < 0.01 for _ in range(received[h])) for h in range(hours)
    ]
    p95 = [rng.gauss(800, 60) for _ in range(hours)]
    incidents = {"spike": set(), "drop": set()}
    candidates = [h for h in range(15 * 24, hours - 8 * 24) if 8 <= h % 24 < 17]
    for h in rng.sample(candidates, 24):
        if rng.random() < 0.5:
            failed[h] = int(received[h] * rng.uniform(0.15, 0.5))
            incidents["spike"].add(h)
        else:
            received[h] = int(received[h] * rng.uniform(0.0, 0.3))
            failed[h] = 0
            incidents["drop"].add(h)
    creep_start = hours - 7 * 24
    for h in range(creep_start, hours):
        p95[h] *= 2.2
    return received, failed, p95, incidents, creep_start


def judge(received, failed, hour):
    rates = [
        100.0 * failed[h] / received[h] if received[h] else 0.0 for h in range(hour)
    ]
    week = [rates[h] for h in range(hour - 7 * 24, hour) if received[h]]
    same = [received[h] for h in range(hour - 14 * 24, hour, 24)]
    rate = 100.0 * failed[hour] / received[hour] if received[hour] else 0.0
    return {
        "spike": anomaly.failure_spike(
            rate, failed[hour], received[hour], week, THRESHOLD
        ),
        "drop": anomaly.volume_drop(received[hour], same, THRESHOLD),
    }


def test_precision_and_recall_on_synthetic_series():
    scores = {"spike": [0, 0, 0], "drop": [0, 0, 0]}  # true +, false +, false −
    for seed in range(5):
        received, failed, _p95, incidents, _creep = series(seed)
        for hour in range(15 * 24, DAYS * 24 - 8 * 24):
            found = judge(received, failed, hour)
            for kind, evidence in found.items():
                if evidence and hour in incidents[kind]:
                    scores[kind][0] += 1
                elif evidence:
                    scores[kind][1] += 1
                elif hour in incidents[kind]:
                    scores[kind][2] += 1
    report = {}
    for kind, (tp, fp, fn) in scores.items():
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        report[kind] = (round(precision, 3), round(recall, 3), tp, fp, fn)
    _logger.info("anomaly precision, recall, tp, fp, fn: %s", report)
    for kind, (precision, recall, *_counts) in report.items():
        assert precision >= 0.9, (kind, report)
        assert recall >= 0.8, (kind, report)


def test_latency_creep_found_and_quiet_weeks_left_alone():
    received, _failed, p95, _incidents, creep_start = series(7)
    day_after = creep_start + 24
    recent = p95[day_after - 23 : day_after + 1]
    baseline = p95[day_after - 8 * 24 : day_after - 23]
    found = anomaly.latency_creep(recent, baseline, THRESHOLD)
    assert found and found["ratio"] > 1.5, found
    quiet = creep_start - 24
    assert not anomaly.latency_creep(
        p95[quiet - 23 : quiet + 1], p95[quiet - 8 * 24 : quiet - 23], THRESHOLD
    )


def test_staleness_against_the_usual_gap_at_that_hour():
    busy = [60] * 14  # one a minute at this hour
    assert anomaly.stale(59, busy, THRESHOLD) is None  # an hour at least
    found = anomaly.stale(61, busy, THRESHOLD)
    assert found["usual_gap_minutes"] == 1.0 and found["limit_minutes"] == 60.0
    hourly = [1] * 14  # "a system that usually sends every hour"
    assert anomaly.stale(200, hourly, THRESHOLD) is None
    assert anomaly.stale(211, hourly, THRESHOLD)["limit_minutes"] == 210.0
    # a system that is quiet at night is not stale at night
    assert anomaly.stale(600, [0] * 14, THRESHOLD) is None
    # too little history: no judgement
    assert anomaly.stale(600, [60] * 3, THRESHOLD) is None


def test_robust_to_one_past_outage_and_to_a_flat_baseline():
    baseline = [60] * 13 + [0]  # one earlier outage in the same hour
    assert anomaly.volume_drop(58, baseline, THRESHOLD) is None
    assert anomaly.volume_drop(5, baseline, THRESHOLD)
    # identical history: chance's spread keeps a small change from being infinite
    assert anomaly.failure_spike(5.0, 3, 60, [0.0] * 30, THRESHOLD) is None
    assert anomaly.failure_spike(30.0, 18, 60, [0.0] * 30, THRESHOLD)["score"] > 10
    # three failures at least
    assert anomaly.failure_spike(100.0, 2, 2, [0.0] * 30, THRESHOLD) is None


def test_misplaced_decimal_names_its_factor_and_leaves_real_changes_alone():
    assert anomaly.misplaced_decimal(125.0, 12.5)["factor"] == 10.0
    assert anomaly.misplaced_decimal(1.25, 12.5)["factor"] == 0.1
    assert anomaly.misplaced_decimal(1300.0, 12.5)["factor"] == 100.0  # 104x
    # a price rise, a discount, a sign error and nothing to compare with
    for value, reference in ((15.0, 12.5), (11.0, 12.5), (-125.0, 12.5), (5.0, 0.0)):
        assert anomaly.misplaced_decimal(value, reference) is None
