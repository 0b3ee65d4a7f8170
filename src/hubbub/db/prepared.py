"""Prepared statements: the statements on the message-create path, compiled once per set of
parameter names and run straight on the driver (sqlite3, or asyncpg).

Executing a statement through SQLAlchemy costs tens of microseconds of Python on top of what
SQLite needs for a small INSERT or a primary-key SELECT; on the create path that was most of
the time spent on SQL. On PostgreSQL SQLAlchemy's asyncio layer adds its greenlet hops: about
150 us of CPU per statement against 40 us for asyncpg alone (measured), on a path of ten
statements. Only statements registered here take this path: writes (no RETURNING) give the
row count, SELECTs give rows with the columns' result types applied, through the few result
methods the repositories use (``one_or_none``, ``first``, ``all``, ``scalars``, ``_mapping``).
Bound values go through the same SQLAlchemy bind processors, and driver errors come out as
the same ``sqlalchemy.exc`` exceptions, as on the ordinary path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import UpdateBase

S = TypeVar("S", bound=UpdateBase | Select[Any])

_registered: dict[int, UpdateBase | Select[Any]] = {}
# Keyed by dialect too: the same statement compiles differently for each engine.
_plans: dict[tuple[int, str, tuple[str, ...]], _Plan] = {}


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
    """Run on SQLite's own driver, on the event loop's thread (see ``hubbub.db.uow``)."""
    dialect = connection.dialect
    plan = _plan_for(dialect, statement, parameters)
    processed = _bound_values(plan, parameters)
    driver: Any = connection.connection.driver_connection
    try:
        cursor = driver.execute(plan.sql, processed)
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            plan.sql, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    if not plan.columns:
        return RowCount(cursor.rowcount)
    return Rows([_row(plan, values) for values in cursor.fetchall()])


async def run_async(
    dialect: Dialect,
    adapted: Any,
    statement: UpdateBase | Select[Any],
    parameters: dict[str, Any],
) -> RowCount | Rows:
    """Run on the asyncpg connection under SQLAlchemy's adapter ``adapted``, inside the
    transaction the adapter opens (or has opened) for this connection."""
    plan = _plan_for(dialect, statement, parameters)
    processed = _bound_values(plan, parameters)
    async with adapted._execute_mutex:
        if adapted._transaction is None:
            await adapted._start_transaction()
        try:
            if not plan.columns:
                status = await adapted._connection.execute(plan.sql, *processed)
                return RowCount(_affected(status))
            records = await adapted._connection.fetch(plan.sql, *processed)
        except Exception as error:
            raise _as_dbapi_error(dialect, adapted, plan, error) from error
    return Rows([_row(plan, tuple(record)) for record in records])


def _affected(status: str) -> int:
    """The row count of a command tag: ``INSERT 0 1``, ``UPDATE 3``, ``DELETE 0``."""
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else -1


def _as_dbapi_error(dialect: Dialect, adapted: Any, plan: _Plan, error: Exception) -> Exception:
    """The ``sqlalchemy.exc`` error the ordinary path would raise for this driver error."""
    try:
        adapted._handle_exception(error)  # re-raises it as the adapter's DBAPI error class
    except Exception as translated:
        return DBAPIError.instance(
            plan.sql, None, translated, dialect.loaded_dbapi.Error, dialect=dialect
        )
    return error


def _plan_for(
    dialect: Dialect, statement: UpdateBase | Select[Any], parameters: dict[str, Any]
) -> _Plan:
    key = (id(statement), dialect.name, tuple(parameters))
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = _plan(dialect, statement, key[2])
    return plan


def _bound_values(plan: _Plan, parameters: dict[str, Any]) -> list[Any]:
    values = [
        parameters[name] if name in parameters else plan.defaults.get(name) for name in plan.names
    ]
    return [
        value if process is None or value is None else process(value)
        for process, value in zip(plan.processors, values, strict=True)
    ]


def _row(plan: _Plan, values: tuple[Any, ...]) -> Row:
    converted = Row(
        value if convert is None or value is None else convert(value)
        for convert, value in zip(plan.converters, values, strict=True)
    )
    converted._mapping = dict(zip(plan.columns, converted, strict=True))
    return converted


def _plan(dialect: Dialect, statement: UpdateBase | Select[Any], keys: tuple[str, ...]) -> _Plan:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
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
            column.type._cached_result_processor(dialect, None) for column in selected
        )
    return _Plan(
        sql=compiled.string,
        names=names,
        processors=tuple(bind_processors.get(name) for name in names),
        defaults=defaults,
        columns=columns,
        converters=converters,
    )
