"""Time in one place: aware UTC datetimes in code, integer microseconds in storage.

``utcnow()`` is what everything asks for the time. It reads the process's clock, the system's
unless another is installed (``install``, or ``ManualClock.installed()``): a test sets the time
with a ``ManualClock`` instead of sleeping until timestamps differ. The clock dates what Hubbub
records (``created_at``, ``run_at``, leases); timers that wait (``asyncio``, ``time.monotonic``)
and signatures (``time.time``) keep the real time."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, an aware UTC datetime."""
        ...


# A C-level callable: ``utcnow()`` on the system clock costs what ``datetime.now(UTC)`` does.
_system_now = functools.partial(datetime.now, UTC)


class SystemClock:
    def now(self) -> datetime:
        return _system_now()


class ManualClock:
    """A clock that stands still until it is set or advanced (from the real time of its
    making, unless told otherwise)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _aware(start) if start is not None else _system_now()

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> datetime:
        self._now = _aware(when)
        return self._now

    def advance(self, by: timedelta | float = 0.0) -> datetime:
        """Move on by ``by`` (seconds, or a timedelta); the new time."""
        step = by if isinstance(by, timedelta) else timedelta(seconds=by)
        if step < timedelta(0):
            raise ValueError("a clock does not go back: use set()")
        self._now += step
        return self._now

    @contextlib.contextmanager
    def installed(self) -> Iterator[ManualClock]:
        """This clock as the process's while the block runs."""
        previous = install(self)
        try:
            yield self
        finally:
            install(previous)


SYSTEM_CLOCK = SystemClock()
_clock: Clock = SYSTEM_CLOCK
_now: Callable[[], datetime] = _system_now


def install(clock: Clock) -> Clock:
    """Make ``clock`` the process's; the one it replaces."""
    global _clock, _now
    previous, _clock = _clock, clock
    _now = _system_now if isinstance(clock, SystemClock) else clock.now
    return previous


def utcnow() -> datetime:
    return _now()


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a clock holds aware datetimes")
    return value.astimezone(UTC)


def to_micros(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def to_millis(value: datetime) -> int:
    return to_micros(value) // 1000


def from_millis(value: int) -> datetime:
    return from_micros(value * 1000)


def isoformat(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a ``Z``, the form every dialect accepts."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
