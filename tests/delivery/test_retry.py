"""Backoff: exponential, capped, jittered within [half, whole] of the nominal delay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hubbub.delivery.retry import backoff_seconds, next_run_at


@pytest.mark.parametrize(
    ("attempt", "nominal"), [(1, 2.0), (2, 4.0), (3, 8.0), (6, 64.0), (10, 900.0), (500, 900.0)]
)
def test_the_delay_doubles_up_to_the_cap(attempt: int, nominal: float) -> None:
    assert backoff_seconds(attempt, rand=lambda: 0.0) == nominal / 2
    assert backoff_seconds(attempt, rand=lambda: 1.0) == nominal


def test_jitter_spreads_retries_between_half_and_the_whole_delay() -> None:
    delays = {backoff_seconds(4) for _ in range(200)}
    assert len(delays) > 100  # really random
    assert all(8.0 <= delay <= 16.0 for delay in delays)


def test_base_and_cap_are_settings() -> None:
    assert backoff_seconds(3, base=0.5, cap=1.5, rand=lambda: 1.0) == 1.5
    assert backoff_seconds(3, base=0.0, cap=0.0) == 0.0


def test_next_run_at_adds_the_delay() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert next_run_at(now, 2, rand=lambda: 0.5) == now + timedelta(seconds=3)
