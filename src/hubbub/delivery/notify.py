"""Cross-process wake-ups on PostgreSQL: ``LISTEN`` on a dedicated connection.

``hubbub.jobs`` issues ``NOTIFY hubbub_jobs`` inside a transaction that enqueues a job (when the
enqueueing process has no runner of its own to wake), so the notification is delivered when
(and only if) the job commits. Each worker keeps one
asyncpg connection, outside the pool, listening; a notification sets the worker's wake event.
If the listener cannot connect or its connection drops, the worker still finds jobs by polling.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from hubbub.db.uow import Database
from hubbub.jobs.repository import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


def plain_dsn(url: str) -> str:
    """The SQLAlchemy URL as asyncpg takes it (no ``+asyncpg`` driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def listen_for_jobs(database: Database, wake: Callable[[], None]) -> AsyncIterator[None]:
    """Call ``wake`` whenever another process enqueues a job, while the block runs."""
    if not database.caps.supports_listen_notify:
        yield
        return
    connection = await _connect(database.url)
    if connection is None:
        yield
        return

    def on_notify(*_: Any) -> None:
        wake()

    try:
        await connection.add_listener(NOTIFY_CHANNEL, on_notify)
        yield
    finally:
        try:
            if not connection.is_closed():
                await connection.remove_listener(NOTIFY_CHANNEL, on_notify)
        finally:
            await connection.close()


async def _connect(url: str) -> Any:
    try:
        return await asyncpg.connect(plain_dsn(url))
    except (OSError, asyncpg.PostgresError) as error:
        log.warning("cannot LISTEN for jobs (%s); polling only", error)
        return None
