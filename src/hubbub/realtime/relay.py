"""Cross-process wake-ups on PostgreSQL through ``LISTEN/NOTIFY``.

Each process runs one relay per database on a dedicated asyncpg connection. It listens on
``hubbub_events`` and wakes the process's log readers when another process says the log grew;
and after local commits that wrote events it sends one ``NOTIFY`` (coalesced: however many
commits happened meanwhile). Likewise it sends ``NOTIFY hubbub_jobs`` after local commits that
enqueued jobs, for the workers of other processes, when this process runs none itself. The
notification is sent after commit from this connection, not inside the writing transaction: a
``NOTIFY`` in a transaction takes a cluster-wide lock at commit, which would serialize every
message create. A process that runs no relay (a one-shot CLI command) notifies its events to
nobody (readers find them at their next poll) and its jobs inside the transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from hubbub.db.uow import Database
from hubbub.events import signal
from hubbub.jobs import service as job_service
from hubbub.jobs.repository import NOTIFY_CHANNEL as JOBS_CHANNEL

if TYPE_CHECKING:
    from hubbub.background import LoopContext

log = logging.getLogger(__name__)

CHANNEL = "hubbub_events"
# How often the relay checks that its connection is still up when nothing happens.
HEALTH_CHECK_SECONDS = 5.0
# The shortest pause between two notifications of this process (a wake-up is due within
# 100 ms; this adds at most 20).
NOTIFY_INTERVAL_SECONDS = 0.02

# Databases (by id of their Capabilities) with a relay running in this process.
_running: set[int] = set()


async def run_relay(context: LoopContext) -> None:
    """The background loop: one relay per database and process, PostgreSQL only (the loop is
    listed for API and worker processes alike; the second copy in one process just waits)."""
    database = context.database
    key = id(database.caps)
    if not database.caps.supports_listen_notify or key in _running:
        await context.stop.wait()
        return
    _running.add(key)
    try:
        await Relay(database).run(context.stop)
    finally:
        _running.discard(key)


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as asyncpg takes it (no ``+asyncpg`` driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Relay:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.commits = asyncio.Event()
        self.jobs = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        connection = await asyncpg.connect(asyncpg_dsn(self.database.url))
        own_pid = connection.get_server_pid()
        caps = self.database.caps

        def on_notification(conn: Any, pid: int, channel: str, payload: str) -> None:
            if pid != own_pid:
                signal.wake(caps)

        await connection.add_listener(CHANNEL, on_notification)
        signal.publish_commits(caps, self.commits.set)
        job_service.add_publisher(self._job_committed)
        signal.wake(caps)  # notifications sent while we were not listening are lost: look
        try:
            while not stop.is_set():
                await self._wait(stop)
                if connection.is_closed():
                    raise ConnectionError("the LISTEN connection was closed")
                await self._notify(connection)
                # However fast commits come, notify at most this often: every NOTIFY is a
                # transaction with a commit-time lock, and wakes every listening backend and
                # process. A reader then catches up on all that happened meanwhile at once.
                await asyncio.sleep(NOTIFY_INTERVAL_SECONDS)
        finally:
            job_service.remove_publisher(self._job_committed)
            signal.unpublish_commits(caps, self.commits.set)
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)

    def _job_committed(self) -> None:
        self.jobs.set()

    async def _notify(self, connection: Any) -> None:
        """One ``NOTIFY`` per channel for everything committed since the last one, both in
        one round trip and one transaction."""
        statements = []
        if self.jobs.is_set():
            self.jobs.clear()
            statements.append(f"NOTIFY {JOBS_CHANNEL}")
        if self.commits.is_set():
            self.commits.clear()
            statements.append(f"NOTIFY {CHANNEL}")
        if statements:
            await connection.execute("; ".join(statements))

    async def _wait(self, stop: asyncio.Event) -> None:
        events = (self.commits, self.jobs, stop)
        waiters = [asyncio.ensure_future(event.wait()) for event in events]
        try:
            await asyncio.wait(
                waiters, timeout=HEALTH_CHECK_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
