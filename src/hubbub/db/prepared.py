"""Prepared statements: the statements on the message-create path, compiled once per set of
parameter names and run straight on the SQLite driver.

Executing a statement through SQLAlchemy costs tens of microseconds of Python on top of what
SQLite needs for a small INSERT or a primary-key SELECT; on the create path that was most of
the time spent on SQL. Only statements registered here take this path, and only on SQLite:
writes (no RETURNING) give the row count, SELECTs give rows with the columns' result types
applied, through the few result methods the repositories use (``one_or_none``, ``first``,
``all``, ``scalars``, ``_mapping``). PostgreSQL runs them through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Select
from sqlalchemy.sql.dml import UpdateBase

S = TypeVar("S", bound=UpdateBase | Select[Any])

_registered: dict[int, UpdateBase | Select[Any]] = {}
_plans: dict[tuple[int, tuple[str, ...]], _Plan] = {}


def prepared(statement: S) -> S:
    """Register a module-level INSERT/UPDATE/DELETE or SELECT for the SQLite fast path."""
    if isinstance(statement, UpdateBase) and statement._returning:
        raise ValueError("prepared writes return no rows")
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
    # For SELECTs: the result columns' names and converters.
    columns: tuple[str, ...] = ()
    converters: tuple[Callable[[Any], Any] | None, ...] = ()


@dataclass(frozen=True)
class RowCount:
    rowcount: int


class Row(tuple[Any, ...]):
    """A result row: by position, or by column name through ``_mapping``."""

    _mapping: dict[str, Any]


class Rows:
    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows

    def __iter__(self) -> Any:
        return iter(self.rows)

    def all(self) -> list[Row]:
        return self.rows

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def one_or_none(self) -> Row | None:
        if len(self.rows) > 1:
            raise ValueError("more than one row")
        return self.first()

    def scalars(self) -> list[Any]:
        return [row[0] for row in self.rows]


def run(
    connection: Connection, statement: UpdateBase | Select[Any], parameters: dict[str, Any]
) -> RowCount | Rows:
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
    if not plan.columns:
        return RowCount(cursor.rowcount)
    return Rows([_row(plan, values) for values in cursor.fetchall()])


def _row(plan: _Plan, values: tuple[Any, ...]) -> Row:
    converted = Row(
        value if convert is None or value is None else convert(value)
        for convert, value in zip(plan.converters, values, strict=True)
    )
    converted._mapping = dict(zip(plan.columns, converted, strict=True))
    return converted


def _plan(
    connection: Connection, statement: UpdateBase | Select[Any], keys: tuple[str, ...]
) -> _Plan:
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(keys))
    names = tuple(compiled.positiontup or ())
    # Sequences only appear for tuple-typed binds, which no prepared statement uses.
    bind_processors: Mapping[str, Any] = compiled._bind_processors
    defaults = {name: bind.value for name, bind in compiled.binds.items() if name not in keys}
    columns: tuple[str, ...] = ()
    converters: tuple[Callable[[Any], Any] | None, ...] = ()
    if isinstance(statement, Select):
        selected = list(statement.selected_columns)
        columns = tuple(str(column.key) for column in selected)
        converters = tuple(
            column.type._cached_result_processor(connection.dialect, None) for column in selected
        )
    return _Plan(
        sql=compiled.string,
        names=names,
        processors=tuple(bind_processors.get(name) for name in names),
        defaults=defaults,
        columns=columns,
        converters=converters,
    )
