"""When a failed delivery is tried again: exponential backoff from ``base`` doubling per
attempt, capped, with jitter (half the delay fixed, half random) so that receivers coming back
up are not hit by every sender at the same instant; past the retry window it is dead."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float
    cap_seconds: float
    window_seconds: float

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failed attempt (1-based)."""
        exponent = min(failures - 1, 62)
        full = min(self.cap_seconds, self.base_seconds * 2.0**exponent)
        return full / 2 + random.uniform(0, full / 2)

    def next_attempt(
        self, *, created_at: datetime, now: datetime, failures: int
    ) -> datetime | None:
        """When to try again, or None when that would fall outside the window: dead."""
        at = now + timedelta(seconds=self.delay(failures))
        if at > created_at + timedelta(seconds=self.window_seconds):
            return None
        return at
