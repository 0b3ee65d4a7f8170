"""Write-behind for PostgreSQL: a transaction's deferrable INSERTs, sent as one statement.

Every statement is a round trip to PostgreSQL, and on the message-create path the round trips,
not the SQL, were most of the cost: a sampling profile of the server put over half of its CPU
in asyncpg's protocol and socket calls, tens of microseconds per statement. A message
create inserts its message, its event and its delivery job and counts the message in its
conversation, and reads none of that back, so those writes (registered
``prepared(..., deferrable=True)``) wait here and go out together as one statement
(``prepared.combined``) at the latest when the transaction commits.

Deferring never changes what a transaction sees: the queue is sent before any statement that
touches one of its tables, before any statement this module cannot inspect (anything not
registered in ``hubbub.db.prepared``), and before a savepoint begins or ends. An INSERT that
fails fails the statement that carries it, so its error (a ``sqlalchemy.exc`` error, as
always) may surface at a later statement or at commit; the transaction fails either way. A
deferred UPDATE reports one row: its callers update a row they have just read, and if a
concurrent transaction deleted it meanwhile, the rows that refer to it fail their foreign key
(``hubbub.db.errors.is_vanished_reference``, a 409).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase

from hubbub.db import prepared


class WriteBehind:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._plans: list[Any] = []
        self._values: list[Any] = []
        self._tables: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self._plans)

    def defer(self, statement: UpdateBase, parameters: dict[str, Any]) -> prepared.RowCount:
        """Queue the write. The caller flushes first when ``holds`` its table."""
        plan, values = prepared.bind(self.dialect, statement, parameters)
        self._plans.append(plan)
        self._values.extend(values)
        self._tables.update(plan.tables)
        return prepared.RowCount(1)  # one row, or the statement that carries it fails

    def touches(self, tables: frozenset[str]) -> bool:
        return not self._tables.isdisjoint(tables)

    def holds(self, statement: UpdateBase) -> bool:
        """Whether a row for the statement's table already waits. One statement holds at most
        one row per table: the parts of a statement run in no defined order, and rows of one
        table must keep theirs (the event log's sequence numbers follow it)."""
        return statement.table.name in self._tables  # type: ignore[union-attr]

    async def flush(self, adapted: Any, *, begin: bool = True) -> None:
        """Send what waits, as one statement, on SQLAlchemy's asyncpg adapter ``adapted``
        (``begin``: see ``prepared.execute_async``)."""
        if not self._plans:
            return
        plan = prepared.combined(self._plans) if len(self._plans) > 1 else self._plans[0]
        values = self._values
        self._plans, self._values, self._tables = [], [], set()
        await prepared.execute_async(self.dialect, adapted, plan, values, begin=begin)

    def discard(self) -> None:
        self._plans, self._values, self._tables = [], [], set()
