"""The unit of work. A request or a job opens one transaction; services and repositories run
inside it and never commit; side effects registered with ``after_commit`` run once it has.

SQLite runs on the event loop's own thread. A small SQLite statement takes tens of
microseconds, while handing each one to a driver thread (aiosqlite) cost several times that in
thread hops and made every write transaction ten times slower (measured: 620 against 5,000
transactions/s). Writers take turns under an asyncio lock and the writers that queue up share
one transaction and one COMMIT (``group_commit``), so nothing waits on SQLite's file lock
inside the loop except another process's write (bounded by ``busy_timeout``). PostgreSQL uses
asyncpg through SQLAlchemy's asyncio extension.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Executable

from hubbub.db import fulltext, prepared
from hubbub.db.checkpoint import Checkpointer, checkpointer_for
from hubbub.db.deferred import WriteBehind
from hubbub.db.engine import (
    Capabilities,
    SqliteSynchronous,
    capabilities_for,
    create_async,
    create_sync,
)
from hubbub.db.group_commit import GroupCommitWriter
from hubbub.db.notify import Notifier

if TYPE_CHECKING:  # the asyncio extension costs a quarter second to import; SQLite never needs it
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

T = TypeVar("T")


class Savepoint(Protocol):
    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class Conn(Protocol):
    """What repositories use: the methods both engines' connections offer alike.
    ``begin_nested()`` is awaited (``sp = await conn.begin_nested()``) or entered
    (``async with conn.begin_nested():``), as SQLAlchemy's ``AsyncConnection`` allows."""

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...

    def begin_nested(self) -> Any: ...


class SyncConn:
    """An async face over a synchronous SQLite connection (see the module docstring)."""

    def __init__(self, connection: Connection) -> None:
        self.sync_connection = connection

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        if prepared.is_prepared(statement, parameters):
            return prepared.run(self.sync_connection, statement, parameters)  # type: ignore[arg-type,return-value]
        return self.sync_connection.execute(statement, parameters)

    def begin_nested(self) -> _SyncSavepoint:
        return _SyncSavepoint(self.sync_connection)


class _SyncSavepoint:
    """Mirrors ``AsyncTransaction`` for a nested transaction: awaitable, or an async block."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._transaction: Any = None

    def _begin(self) -> _SyncSavepoint:
        if self._transaction is None:
            self._transaction = self._connection.begin_nested()
        return self

    def __await__(self) -> Iterator[Any]:
        return self._awaitable().__await__()

    async def _awaitable(self) -> _SyncSavepoint:
        return self._begin()

    async def __aenter__(self) -> _SyncSavepoint:
        return self._begin()

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self._transaction.is_active:
            if exc_type is None:
                self._transaction.commit()
            else:
                self._transaction.rollback()

    async def commit(self) -> None:
        self._transaction.commit()

    async def rollback(self) -> None:
        self._transaction.rollback()


@dataclass
class Session:
    """What services and repositories receive: one connection inside one transaction."""

    conn: Conn
    caps: Capabilities
    # The database's wake-ups (``hubbub.db.notify``): what a write announces after commit.
    notifier: Notifier
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    _after_rollback: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed; dropped on rollback."""
        self._after_commit.append(callback)

    def after_rollback(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Await ``callback`` if the transaction does not commit (to undo a side effect outside
        the database, such as a file written for a row); dropped on commit."""
        self._after_rollback.append(callback)

    async def run_after_rollback(self) -> None:
        for callback in self._after_rollback:
            try:
                await callback()
            except Exception:  # the transaction's own error is the one to report
                log.exception("after-rollback callback failed")

    def run_after_commit(self) -> None:
        for callback in self._after_commit:
            try:
                callback()
            except Exception:  # a notifier must never turn a committed write into an error
                log.exception("after-commit callback failed")


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 20,
        pool_timeout: float = 10.0,
        sqlite_synchronous: SqliteSynchronous = "normal",
    ) -> None:
        self.url = url
        self.caps = capabilities_for(url)
        self.notifier = Notifier(url, cross_process=self.caps.supports_listen_notify)
        # One object per factory for this database in this process (``shared``).
        self._shared: dict[Callable[[Database], Any], Any] = {}
        self.sync_engine: Engine | None = None
        self.async_engine: AsyncEngine | None = None
        if self.caps.name == "sqlite":
            self.sync_engine = create_sync(url, pool_size=pool_size, synchronous=sqlite_synchronous)
        else:
            self.async_engine = create_async(url, pool_size=pool_size, pool_timeout=pool_timeout)
        self.checkpointer: Checkpointer | None = None
        self.writer: GroupCommitWriter | None = None
        if self.sync_engine is not None:
            self.checkpointer = checkpointer_for(self.sync_engine)
            self.writer = GroupCommitWriter(
                self.sync_engine,
                before_commit=fulltext.index_new_messages,
                after_commit=self.checkpointer.after_commit if self.checkpointer else None,
            )

    def shared(self, factory: Callable[[Database], T]) -> T:
        """This process's one ``factory(self)``, made at its first use: what every user of the
        database in the process shares (the realtime hub that feeds all its streams)."""
        found = self._shared.get(factory)
        if found is None:
            found = self._shared[factory] = factory(self)
        return found

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        if self.sync_engine is not None:
            self.sync_engine.dispose()
        if self.async_engine is not None:
            await self.async_engine.dispose()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """A write transaction: committed when the block ends, rolled back on error."""
        opened: list[Session] = []  # for the rollback hooks, whichever way it was opened
        try:
            if self.writer is None:
                async with self._run_async(commit=True) as session:
                    opened.append(session)
                    yield session
            else:
                # SQLite: a turn in a shared transaction, committed with its group (group_commit).
                async with self.writer.unit() as connection:
                    session = Session(SyncConn(connection), self.caps, self.notifier)
                    opened.append(session)
                    yield session
        except BaseException:
            for undone in opened:
                await undone.run_after_rollback()
            raise
        session.run_after_commit()

    @contextlib.asynccontextmanager
    async def statements(self) -> AsyncIterator[Session]:
        """Writes that each stand alone. On PostgreSQL every statement registered in
        ``hubbub.db.prepared`` runs as its own transaction, with no BEGIN and COMMIT round
        trips (a claim or a settle of the job queue is one statement; three round trips
        were two thirds of its cost); anything else opens a transaction committed at the end.
        On SQLite this is a write transaction like any other (group commit)."""
        if self.writer is not None:
            async with self.transaction() as session:
                yield session
        else:
            async with self._run_async(commit=True, autocommit=True) as session:
                yield session

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Session]:
        """A read-only transaction; never takes the write lock. On SQLite one snapshot; on
        PostgreSQL (READ COMMITTED) each statement sees what was committed when it began."""
        if self.sync_engine is not None:
            with self._run_sync("BEGIN", commit=False) as session:
                yield session
        else:
            async with self._run_async(commit=False) as session:
                yield session

    async def run_sync(self, function: Callable[[Connection], None]) -> None:
        """Run ``function`` on a plain connection inside a transaction (Alembic needs one)."""
        if self.sync_engine is not None:
            with self.sync_engine.begin() as connection:
                function(connection)
            return
        assert self.async_engine is not None
        async with self.async_engine.begin() as connection:
            await connection.run_sync(function)

    @contextlib.contextmanager
    def _run_sync(self, begin: str, *, commit: bool) -> Iterator[Session]:
        assert self.sync_engine is not None
        with self.sync_engine.connect() as connection:
            connection.info["hubbub_begin"] = begin  # read by the engine's "begin" hook
            with connection.begin() as transaction:
                yield Session(SyncConn(connection), self.caps, self.notifier)
                if commit:
                    transaction.commit()
                else:
                    transaction.rollback()

    @contextlib.asynccontextmanager
    async def _run_async(self, *, commit: bool, autocommit: bool = False) -> AsyncIterator[Session]:
        assert self.async_engine is not None
        async with self.async_engine.connect() as connection, connection.begin() as transaction:
            conn = AsyncConn(connection, autocommit=autocommit)
            yield Session(conn, self.caps, self.notifier)
            if commit:
                await conn.commit(transaction)
            else:
                await transaction.rollback()


class AsyncConn:
    """PostgreSQL: SQLAlchemy's ``AsyncConnection``, except that the statements registered in
    ``hubbub.db.prepared`` run straight on asyncpg, and the deferrable ones among them wait to
    go out together (``hubbub.db.deferred``)."""

    def __init__(self, connection: AsyncConnection, *, autocommit: bool = False) -> None:
        self.connection = connection
        self._adapted: Any = None  # SQLAlchemy's adapter over the asyncpg connection
        self.deferred = WriteBehind(connection.dialect)
        # ``Database.statements``: registered statements run at once, each as its own
        # transaction unless one is open.
        self.autocommit = autocommit

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        if not prepared.is_prepared(statement, parameters):
            await self.flush()
            return await self.connection.execute(statement, parameters)
        if prepared.is_deferrable(statement) and not self.autocommit:
            if self.deferred.holds(statement):  # type: ignore[arg-type]
                await self.flush()
            return self.deferred.defer(statement, parameters)  # type: ignore[arg-type,return-value]
        plan, values = prepared.bind(self.connection.dialect, statement, parameters)  # type: ignore[arg-type]
        if self.deferred.touches(plan.tables):
            await self.flush()
        adapted = await self._adapter()
        # A read of tables with nothing written yet needs no transaction: under READ
        # COMMITTED it sees what it would see in one. Writes, and calls such as pg_notify
        # (no table), open it (see ``commit``).
        begin = not self.autocommit and (bool(self.deferred) or not plan.plain_read)
        return await prepared.execute_async(  # type: ignore[return-value]
            self.connection.dialect, adapted, plan, values, begin=begin
        )

    async def flush(self) -> None:
        """Send the deferred writes now, inside the transaction."""
        if self.deferred:
            await self.deferred.flush(await self._adapter())

    async def commit(self, transaction: Any) -> None:
        """Commit. A transaction that has only read so far, on statements of its own, and
        whose writes all waited (a message create: read the conversation, then write the
        message, its event and job, and count it) never opened a transaction on the server:
        its writes go out as one statement that commits by itself. That saves the BEGIN and
        COMMIT round trips, two of a create's four."""
        if self.deferred:
            await self.deferred.flush(await self._adapter(), begin=False)
        await transaction.commit()

    async def _adapter(self) -> Any:
        if self._adapted is None:
            self._adapted = (await self.connection.get_raw_connection()).dbapi_connection
        return self._adapted

    def begin_nested(self) -> _AsyncSavepoint:
        return _AsyncSavepoint(self)

    @property
    def sync_connection(self) -> Connection | None:
        """The SQLAlchemy ``Connection`` underneath, as on ``SyncConn`` (engine events)."""
        return self.connection.sync_connection


class _AsyncSavepoint:
    """``AsyncConnection.begin_nested()`` (awaited, or an async block), with the deferred
    INSERTs sent before the savepoint begins and before it is released or rolled back, so
    that they belong to the savepoint they were written in."""

    def __init__(self, conn: AsyncConn) -> None:
        self._conn = conn
        self._transaction: Any = None

    def __await__(self) -> Iterator[Any]:
        return self._begin().__await__()

    async def _begin(self) -> _AsyncSavepoint:
        await self._conn.flush()
        self._transaction = await self._conn.connection.begin_nested()
        return self

    async def __aenter__(self) -> _AsyncSavepoint:
        return await self._begin()

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._transaction.is_active:
            return
        if exc_type is None:
            await self.commit()
        else:
            await self.rollback()

    async def commit(self) -> None:
        await self._conn.flush()
        await self._transaction.commit()

    async def rollback(self) -> None:
        # What the savepoint wrote and never sent is undone by not sending it.
        self._conn.deferred.discard()
        await self._transaction.rollback()
