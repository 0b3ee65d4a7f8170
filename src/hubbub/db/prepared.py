"""Prepared statements: the statements on the message-create path, compiled once per set of
parameter names and run straight on the driver (sqlite3, or asyncpg).

Executing a statement through SQLAlchemy costs tens of microseconds of Python on top of what
SQLite needs for a small INSERT or a primary-key SELECT; on the create path that was most of
the time spent on SQL. On PostgreSQL SQLAlchemy's asyncio layer adds its greenlet hops: about
150 us of CPU per statement against 40 us for asyncpg alone (measured), on a path of ten
statements. Only statements registered here take this path: writes give the row count (or,
with RETURNING, rows), SELECTs give rows with the columns' result types applied, through the
few result methods the repositories use (``one_or_none``, ``first``, ``all``, ``scalars``,
``_mapping``). Bound values go through the same SQLAlchemy bind processors, and driver errors
come out as the same ``sqlalchemy.exc`` exceptions, as on the ordinary path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase
from sqlalchemy.sql.util import find_tables

S = TypeVar("S", bound=UpdateBase | Select[Any])

_PARAMETER = re.compile(r"\$(\d+)")

_registered: dict[int, UpdateBase | Select[Any]] = {}
# INSERTs whose caller needs no answer but success: PostgreSQL may send them later, together
# (``hubbub.db.deferred``).
_deferrable: set[int] = set()
# Keyed by dialect too: the same statement compiles differently for each engine.
_plans: dict[tuple[int, str, tuple[str, ...]], _Plan] = {}


def prepared(statement: S, *, deferrable: bool = False) -> S:
    """Register a module-level INSERT/UPDATE/DELETE or SELECT for the driver fast path.
    ``deferrable``: an INSERT of one row, or an UPDATE or DELETE of one row by its key, whose
    caller needs no answer (a deferred write reports one row), which PostgreSQL may send with the
    transaction's other deferred writes in one statement (``hubbub.db.deferred``)."""
    if deferrable and isinstance(statement, UpdateBase) and statement._returning:
        raise ValueError("a deferred write cannot return rows")
    if deferrable and not isinstance(statement, Insert | Update | Delete):
        raise ValueError("only INSERTs, UPDATEs and DELETEs are deferrable")
    _registered[id(statement)] = statement  # the reference keeps the id from being reused
    if deferrable:
        _deferrable.add(id(statement))
    return statement


def is_prepared(statement: object, parameters: object) -> bool:
    return id(statement) in _registered and isinstance(parameters, dict)


def is_deferrable(statement: object) -> bool:
    return id(statement) in _deferrable


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    defaults: Mapping[str, Any]
    # For SELECTs: the result columns' names and converters.
    columns: tuple[str, ...] = ()
    converters: tuple[Callable[[Any], Any] | None, ...] = ()
    # The tables the statement reads or writes (deferred INSERTs are sent before a statement
    # that touches one of theirs).
    tables: frozenset[str] = frozenset()
    # A SELECT that reads rows and takes no lock: on PostgreSQL it needs no open transaction.
    plain_read: bool = False


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
    plan, processed = bind(dialect, statement, parameters)
    return await execute_async(dialect, adapted, plan, processed)


def bind(
    dialect: Dialect, statement: UpdateBase | Select[Any], parameters: dict[str, Any]
) -> tuple[_Plan, list[Any]]:
    """The statement's plan and its parameters as the driver takes them."""
    plan = _plan_for(dialect, statement, parameters)
    return plan, _bound_values(plan, parameters)


async def execute_async(
    dialect: Dialect, adapted: Any, plan: _Plan, processed: list[Any], *, begin: bool = True
) -> RowCount | Rows:
    """Run ``plan``. ``begin``: open the connection's transaction first when it has none;
    without, a statement that finds none runs on its own, as its own transaction."""
    async with adapted._execute_mutex:
        if begin and adapted._transaction is None:
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
    tables = frozenset(
        table.name for table in find_tables(statement, include_crud=True, check_columns=True)
    )
    selected = _result_columns(statement)
    if selected:
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
        tables=tables,
        plain_read=bool(tables) and isinstance(statement, Select) and not _locks(statement),
    )


def _result_columns(statement: UpdateBase | Select[Any]) -> list[Any]:
    """What a SELECT selects, or what a write returns (``RETURNING``)."""
    if isinstance(statement, Select):
        return list(statement.selected_columns)
    return list(statement._returning)


def _locks(statement: Select[Any]) -> bool:
    return statement._for_update_arg is not None


def _renumbered(sql: str, offset: int) -> str:
    return _PARAMETER.sub(lambda found: f"${int(found[1]) + offset}", sql)


_combined: dict[tuple[int, ...], _Plan] = {}


def combined(plans: list[_Plan]) -> _Plan:
    key = tuple(map(id, plans))  # plans live as long as the process (``_plans``)
    plan = _combined.get(key)
    if plan is None:
        plan = _combined[key] = _combine(plans)
    return plan


def _combine(plans: list[_Plan]) -> _Plan:
    """Several parameterized writes as one PostgreSQL statement: all but the last as
    data-modifying ``WITH`` parts, which run once each and to completion. The parameters of
    each part are renumbered after the previous parts' (``$1`` of the second part becomes
    ``$n+1``); the compiled SQL holds no ``$`` but its parameters."""
    parts: list[str] = []
    offset = 0
    for plan in plans:
        parts.append(_renumbered(plan.sql, offset))
        offset += len(plan.names)
    heads = ", ".join(f"w{index} AS ({sql})" for index, sql in enumerate(parts[:-1]))
    return _Plan(
        sql=f"WITH {heads} {parts[-1]}" if heads else parts[-1],
        names=tuple(name for plan in plans for name in plan.names),
        processors=tuple(process for plan in plans for process in plan.processors),
        defaults={},
        tables=frozenset().union(*(plan.tables for plan in plans)),
    )
