"""Retry delays: exponential backoff with full jitter (AWS architecture blog)."""

import random


def retry_delay(attempt, base=30, cap=3600, rng=random):
    """Seconds to wait before retry number ``attempt`` (1 = first retry).

    The ceiling doubles with each attempt up to ``cap``; the delay is drawn between half
    the ceiling and the ceiling, so retries spread out but never come back at once.
    """
    ceiling = min(cap, base * (2 ** max(attempt - 1, 0)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)
