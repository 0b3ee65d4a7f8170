"""When a failed job runs again: capped exponential backoff with jitter.

The n-th retry waits ``min(cap, base * 2**(n-1))`` seconds give or take jitter: half of the
delay is fixed and the other half random ("equal jitter"), so retries of many jobs that failed
together (a provider outage) spread out instead of hitting the provider again in one burst,
while no retry comes sooner than half its nominal delay.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

BASE_SECONDS = 2.0
CAP_SECONDS = 900.0


def backoff_seconds(
    attempt: int,
    *,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    rand: Callable[[], float] = random.random,
) -> float:
    """The delay after failed attempt number ``attempt`` (from 1)."""
    exponent = min(max(0, attempt - 1), 60)
    nominal: float = min(cap, base * 2.0**exponent)
    return nominal / 2 + nominal / 2 * rand()


def next_run_at(
    now: datetime,
    attempt: int,
    *,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    rand: Callable[[], float] = random.random,
) -> datetime:
    return now + timedelta(seconds=backoff_seconds(attempt, base=base, cap=cap, rand=rand))
