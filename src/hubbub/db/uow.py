"""The unit of work. A request or a job opens one transaction; services and repositories run
inside it and never commit; side effects registered with ``after_commit`` run once it has."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hubbub.db.engine import Capabilities, capabilities_for, create_engine

log = logging.getLogger(__name__)


@dataclass
class Session:
    """What services and repositories receive: one connection inside one transaction."""

    conn: AsyncConnection
    caps: Capabilities
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed; dropped on rollback."""
        self._after_commit.append(callback)


class Database:
    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.caps = capabilities_for(url)
        self.engine: AsyncEngine = create_engine(url, pool_size=pool_size)
        self._write_lock = asyncio.Lock() if self.caps.single_writer else None

    async def dispose(self) -> None:
        await self.engine.dispose()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """A write transaction: committed when the block ends, rolled back on error."""
        if self._write_lock is None:
            async with self._run(begin="BEGIN") as session:
                yield session
            return
        async with self._write_lock, self._run(begin="BEGIN IMMEDIATE") as session:
            yield session

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Session]:
        """A read-only transaction: one consistent snapshot, never takes the write lock."""
        async with self._run(begin="BEGIN", commit=False) as session:
            yield session

    @contextlib.asynccontextmanager
    async def _run(self, *, begin: str, commit: bool = True) -> AsyncIterator[Session]:
        async with self.engine.connect() as conn:
            if self.caps.name == "sqlite":
                conn.info["hubbub_begin"] = begin  # read by the engine's "begin" hook
            session = Session(conn=conn, caps=self.caps)
            async with conn.begin() as tx:
                try:
                    yield session
                except BaseException:
                    await tx.rollback()
                    raise
                if commit:
                    await tx.commit()
                else:
                    await tx.rollback()
        for callback in session._after_commit:
            try:
                callback()
            except Exception:  # a notifier must never turn a committed write into an error
                log.exception("after-commit callback failed")
