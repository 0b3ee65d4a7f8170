"""Prepared writes: the statements on the message-create path, compiled once per set of
parameter names and run straight on the SQLite driver.

Executing a statement through SQLAlchemy costs tens of microseconds of Python on top of what
SQLite needs for a small INSERT; on the create path that was most of the time spent on SQL.
Only statements registered here take this path, and only on SQLite, and only as plain writes
(no RETURNING): the caller gets the row count, nothing else. PostgreSQL runs them through
SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.sql.dml import UpdateBase

S = TypeVar("S", bound=UpdateBase)

_registered: dict[int, UpdateBase] = {}
_plans: dict[tuple[int, tuple[str, ...]], _Plan] = {}


def prepared(statement: S) -> S:
    """Register a module-level INSERT/UPDATE/DELETE for the SQLite fast path."""
    if statement._returning:
        raise ValueError("prepared statements return no rows")
    _registered[id(statement)] = statement  # the reference keeps the id from being reused
    return statement


def is_prepared(statement: object, parameters: object) -> bool:
    return id(statement) in _registered and isinstance(parameters, dict)


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    defaults: Mapping[str, Any]


@dataclass(frozen=True)
class RowCount:
    rowcount: int


def run(connection: Connection, statement: UpdateBase, parameters: dict[str, Any]) -> RowCount:
    keys = tuple(parameters)
    plan = _plans.get((id(statement), keys))
    if plan is None:
        plan = _plans[(id(statement), keys)] = _plan(connection, statement, keys)
    values = [
        parameters[name] if name in parameters else plan.defaults.get(name) for name in plan.names
    ]
    processed = [
        value if process is None or value is None else process(value)
        for process, value in zip(plan.processors, values, strict=True)
    ]
    cursor = connection.connection.driver_connection.execute(plan.sql, processed)  # type: ignore[union-attr]
    return RowCount(cursor.rowcount)


def _plan(connection: Connection, statement: UpdateBase, keys: tuple[str, ...]) -> _Plan:
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or ())
    # Sequences only appear for tuple-typed binds, which no prepared statement uses.
    bind_processors: Mapping[str, Any] = compiled._bind_processors
    defaults = {name: bind.value for name, bind in compiled.binds.items() if name not in keys}
    return _Plan(
        sql=compiled.string,
        names=names,
        processors=tuple(bind_processors.get(name) for name in names),
        defaults=defaults,
    )
