"""Group commit for SQLite: many write transactions, one COMMIT.

SQLite admits one writer at a time, so Hubbub's writers already take turns on the event loop.
What each turn cost most was its own ``BEGIN IMMEDIATE`` and ``COMMIT`` (the WAL append and
the lock round trip): at 32 concurrent creates about a fifth of the server's time. Here the
writers that queue up while a transaction is open share it instead:

- the first writer of a *group* opens the transaction; each writer runs inside its own SAVEPOINT
  on it, so a failing writer rolls back alone, then waits for the group's COMMIT;
- the COMMIT is scheduled behind the callbacks already ready to run on the event loop, so every
  request that is ready to write in this turn of the loop joins the same transaction first.

(SQLite writers never hold the lock across an await, so the lock itself is hardly ever
contended: grouping has to come from deferring the COMMIT, not from a queue at the lock.)

Nothing is acknowledged before it is durable: a writer's ``transaction()`` block returns only
after the COMMIT that holds its changes (and raises if that COMMIT fails). SQLite itself may end
the shared transaction (a full disk, an I/O error, out of memory roll it back whole): then every
writer of the group fails with ``GroupAborted``, those that already released their savepoint
included, since their changes went with it. Under no load a group
is one writer and costs two savepoint statements and one loop callback; under load groups grow
by themselves. Changes of
a group are visible to the later writers of the same group (they share the transaction), never
to readers before the COMMIT."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from hubbub.errors import Unavailable

# A bound on how long the first writer of a group waits for the COMMIT, counted in writers.
MAX_GROUP = 64
_SAVEPOINT = "SAVEPOINT hubbub_writer"
_RELEASE = "RELEASE hubbub_writer"
_ROLLBACK = "ROLLBACK TO hubbub_writer"


class GroupAborted(Unavailable):
    """SQLite rolled back the transaction a group of writers shared: nothing of the group was
    stored, so a retry is safe."""

    def __init__(self) -> None:
        super().__init__(
            "the database could not store this request (its transaction was rolled back: a "
            "full disk or an I/O error); nothing was stored, retry shortly"
        )


@dataclass
class _Group:
    connection: Connection
    transaction: Any
    done: asyncio.Future[None]
    size: int = 0
    flush_scheduled: bool = False


class GroupCommitWriter:
    def __init__(
        self,
        engine: Engine,
        *,
        begin: str = "BEGIN IMMEDIATE",
        before_commit: Callable[[Any], None] | None = None,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        """``before_commit`` runs on the driver connection right before each group's COMMIT
        (the full-text indexing of ``hubbub.db.fulltext``; if it raises, the group fails),
        ``after_commit`` after it (``hubbub.db.checkpoint``)."""
        self._engine = engine
        self._begin = begin
        self._before_commit = before_commit
        self._after_commit = after_commit
        self._lock = asyncio.Lock()
        self._group: _Group | None = None
        self._flushers: set[asyncio.Task[None]] = set()
        self.commits = 0  # groups committed, for tests and metrics

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[Connection]:
        """One writer's turn: its own SAVEPOINT in the group's transaction. The block's end
        waits for the group's COMMIT."""
        await self._lock.acquire()
        try:
            group = self._group if self._group is not None else self._open_group()
            driver = group.connection.connection.driver_connection
            assert driver is not None
            # Straight on the driver: through SQLAlchemy's begin_nested() each savepoint cost as
            # much as the COMMIT it saves. Nested savepoints of the writer's own sit inside it.
            driver.execute(_SAVEPOINT)
            try:
                yield group.connection
            except BaseException as error:
                if not driver.in_transaction:
                    raise self._abort(group) from error
                try:
                    _roll_back_writer(group.connection, driver)
                finally:
                    self._end_turn(group)
                raise
            if not driver.in_transaction:  # the writer went on after SQLite ended it
                raise self._abort(group)
            driver.execute(_RELEASE)
            group.size += 1
            self._end_turn(group)
        finally:
            self._lock.release()
        # Shielded: a writer cancelled while waiting must not cancel the COMMIT of the others.
        await asyncio.shield(group.done)

    def _end_turn(self, group: _Group) -> None:
        """Leave the group open for the writers that are ready to run in this turn of the
        event loop, and commit it right after them (at once when it is full)."""
        if group.size >= MAX_GROUP:
            self._close_group(group)
        elif not group.flush_scheduled:
            group.flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_soon, group)

    def _flush_soon(self, group: _Group) -> None:
        if self._group is not group:
            return  # already committed (it filled up)
        if not self._lock.locked():
            self._close_group(group)
            return
        # A writer holds the lock across an await: commit after it, in the lock's order.
        self._flushers.add(task := asyncio.create_task(self._flush(group)))
        task.add_done_callback(self._flushers.discard)

    def _open_group(self) -> _Group:
        connection = self._engine.connect()
        connection.info["hubbub_begin"] = self._begin  # read by the engine's "begin" hook
        transaction = connection.begin()
        group = _Group(connection, transaction, asyncio.get_running_loop().create_future())
        self._group = group
        return group

    async def _flush(self, group: _Group) -> None:
        async with self._lock:
            if self._group is group:
                self._close_group(group)

    def _abort(self, group: _Group) -> GroupAborted:
        """The shared transaction is gone: fail the group's writers and close it, so the next
        writer opens a new one."""
        self._group = None
        aborted = GroupAborted()
        if not group.done.done():
            group.done.set_exception(aborted)
            group.done.exception()  # retrieved: a group of one has nobody else waiting
        with contextlib.suppress(Exception):
            group.transaction.rollback()
        group.connection.close()
        return aborted

    def _close_group(self, group: _Group) -> None:
        """Commit (under the lock) and wake the group's writers."""
        self._group = None
        try:
            _end(group, commit=group.size > 0, before_commit=self._before_commit)
        except BaseException as error:  # every writer of the group learns its COMMIT failed
            if not group.done.done():
                group.done.set_exception(error)
            # Retrieved here so a group whose writers were all cancelled logs nothing.
            group.done.exception()
            return
        if group.size > 0:
            self.commits += 1
            if self._after_commit is not None:
                self._after_commit()  # must not raise: the group has committed
        if not group.done.done():
            group.done.set_result(None)


def _roll_back_writer(connection: Connection, driver: Any) -> None:
    """Undo one writer's changes, closing first any savepoint of its own it left open (so
    SQLAlchemy's view of the transaction stays true)."""
    while (nested := connection.get_nested_transaction()) is not None:
        nested.rollback()
    driver.execute(_ROLLBACK)
    driver.execute(_RELEASE)


def _end(group: _Group, *, commit: bool, before_commit: Callable[[Any], None] | None) -> None:
    try:
        if commit:
            driver = group.connection.connection.driver_connection
            assert driver is not None
            if before_commit is not None:
                before_commit(driver)
            # sqlite3 commits nothing, silently, when SQLite has already rolled back.
            if not driver.in_transaction:
                raise GroupAborted
            group.transaction.commit()
        else:
            group.transaction.rollback()
    finally:
        group.connection.close()
