"""Column types shared by every table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Dialect, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

from hubbub.kit.clock import from_micros, to_micros

ID_LENGTH = 36
Id = String(ID_LENGTH)

# JSONB on PostgreSQL gives containment queries and GIN indexes; SQLite keeps JSON as text.
Json = JSON().with_variant(JSONB(), "postgresql")

# On SQLite only ``INTEGER PRIMARY KEY`` aliases the rowid (and so autoincrements).
SequenceInt = BigInteger().with_variant(Integer(), "sqlite")


class Timestamp(TypeDecorator[datetime]):
    """An aware UTC datetime stored as integer microseconds since the epoch.

    Integers compare and index the same way on both engines, keep microsecond order exactly
    (keyset cursors rely on it) and avoid SQLite's text dates and their time-zone ambiguity.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        return None if value is None else to_micros(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else from_micros(int(value))
