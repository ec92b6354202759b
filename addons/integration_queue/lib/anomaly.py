# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Explainable anomaly tests on a flow's own history: the robust z-score of a value
against a baseline (median and median absolute deviation), so one past outage does
not move the baseline the way a mean and standard deviation would. Each test returns
its evidence (value, baseline median, MAD, score, threshold) or None. Pure functions:
the hub's cron feeds them the hourly rollup; the tests feed them synthetic series."""

import math
import statistics

# 0.6745 = the normal distribution's 75th percentile: makes the MAD comparable to a
# standard deviation (Iglewicz and Hoaglin's modified z-score)
MAD_SCALE = 0.6745


def robust_z(value, baseline, floor):
    """Modified z-score of ``value``; ``floor`` is the smallest MAD believed (a
    baseline of identical values has a MAD of 0, and then any change would be
    infinitely surprising)."""
    centre = statistics.median(baseline)
    mad = statistics.median(abs(x - centre) for x in baseline)
    spread = max(mad, floor)
    return MAD_SCALE * (value - centre) / spread, centre, mad


def _evidence(value, baseline, floor, threshold, **extra):
    score, centre, mad = robust_z(value, baseline, floor)
    return {
        "value": round(value, 3),
        "median": round(centre, 3),
        "mad": round(mad, 3),
        "score": round(score, 2),
        "threshold": threshold,
        "samples": len(baseline),
        **extra,
    }


def failure_spike(rate, failed, received, baseline_rates, threshold, min_samples=24):
    """The hour's failure rate (%) far above the flow's usual one; at least three
    failures, so one unlucky message in a quiet hour is no spike. The spread is
    never taken below chance: the binomial spread of ``received`` messages failing
    at the usual rate (at least one in ``received``)."""
    if len(baseline_rates) < min_samples or failed < 3 or not received:
        return None
    usual = max(statistics.median(baseline_rates) / 100.0, 1.0 / received)
    chance = MAD_SCALE * 100.0 * math.sqrt(usual * (1 - usual) / received)
    evidence = _evidence(rate, baseline_rates, chance, threshold, failed=failed)
    return evidence if evidence["score"] >= threshold else None


def volume_drop(received, same_hour_baseline, threshold, min_samples=7, min_median=5):
    """Far fewer messages than at the same hour on the days before (traffic follows
    the working day, so an hour is compared with the same hour, not the night). The
    spread is never taken below chance: a count's Poisson spread, √median."""
    if len(same_hour_baseline) < min_samples:
        return None
    usual = statistics.median(same_hour_baseline)
    if usual < min_median:
        return None
    chance = MAD_SCALE * math.sqrt(usual)
    evidence = _evidence(received, same_hour_baseline, chance, threshold)
    return evidence if evidence["score"] <= -threshold else None


def stale(minutes_since_last, same_hour_baseline, threshold, min_samples=7):
    """Silent for far longer than the system's usual gap at this hour of the day
    (60 minutes over the median count it sends in that hour), and an hour at least."""
    if len(same_hour_baseline) < min_samples:
        return None
    usual = statistics.median(same_hour_baseline)
    if usual < 1 or minutes_since_last is None:
        return None
    usual_gap = 60.0 / usual
    limit = max(threshold * usual_gap, 60.0)
    if minutes_since_last < limit:
        return None
    return {
        "value": round(minutes_since_last, 1),
        "usual_per_hour": usual,
        "usual_gap_minutes": round(usual_gap, 1),
        "limit_minutes": round(limit, 1),
        "threshold": threshold,
        "samples": len(same_hour_baseline),
    }


def latency_creep(recent_p95, baseline_p95, threshold, min_samples=48, min_ratio=1.5):
    """The last day's typical p95 latency well above the week before: a slow drift
    that no single hour shows."""
    if len(baseline_p95) < min_samples or not recent_p95:
        return None
    value = statistics.median(recent_p95)
    floor = max(1.0, 0.05 * statistics.median(baseline_p95))
    evidence = _evidence(value, baseline_p95, floor, threshold)
    ratio = value / evidence["median"] if evidence["median"] else float("inf")
    evidence["ratio"] = round(ratio, 2)
    if evidence["score"] >= threshold and ratio >= min_ratio:
        return evidence
    return None


def misplaced_decimal(value, reference, tolerance=0.1, powers=(1, 2, 3)):
    """``value`` a power of ten away from ``reference`` (10x, 100x, 1000x, or a
    tenth ...) within ``tolerance``: the figure of someone who typed a decimal point
    in the wrong place. The evidence names the factor, or None."""
    if not value or not reference or value * reference < 0:
        return None
    ratio = abs(value / reference)
    for power in powers:
        for factor in (10.0**power, 10.0**-power):
            if abs(ratio / factor - 1.0) <= tolerance:
                return {
                    "value": value,
                    "reference": reference,
                    "ratio": round(ratio, 4),
                    "factor": factor,
                }
    return None
