"""Time in one place: aware UTC datetimes in code, integer microseconds in storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


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
