"""Wake-ups after commit, in this process and (PostgreSQL) across processes.

Every ``Database`` owns one ``Notifier`` (``database.notifier``, which its sessions carry as
``session.notifier``) with one ``Topic`` per kind of news: ``events`` (the event log grew: the
realtime hub and the webhook sender follow it) and ``jobs`` (a job was enqueued: the delivery
runner). A topic has two kinds of callback: *readers* wake whenever there may be news (a local
commit, or another process's, heard through ``LISTEN``); *publishers* hear about local commits
only (the relay, which tells the other processes).

PostgreSQL tells other processes through ``LISTEN/NOTIFY``, on connections of their own outside
the pool. The relay (``Notifier.relay``, one per database and process) listens for the events of
other processes and, after local commits, sends one ``NOTIFY`` per topic for however many
commits happened meanwhile. It notifies from its own connection and not inside the writing
transaction: a ``NOTIFY`` in a transaction takes a cluster-wide lock at commit, which would
serialize every message create. A runner listens for jobs on a connection of its own
(``Notifier.following``). A process that runs no relay (a one-shot CLI command) notifies its
events to nobody (readers find them at their next poll) and its jobs inside the transaction.
SQLite has no other process to tell: its topics are in-process only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from hubbub.db.prepared import prepared

if TYPE_CHECKING:
    from hubbub.db.uow import Session

log = logging.getLogger(__name__)

Callback = Callable[[], None]

EVENTS_CHANNEL = "hubbub_events"
JOBS_CHANNEL = "hubbub_jobs"
# ``NOTIFY`` inside a transaction, for a process with no relay (see ``Topic.wake_after_commit``).
_NOTIFY_IN_TRANSACTION = {
    channel: prepared(select(func.pg_notify(channel, "")))
    for channel in (EVENTS_CHANNEL, JOBS_CHANNEL)
}
# How often the relay checks that its connection is still up when nothing happens.
HEALTH_CHECK_SECONDS = 5.0
# The shortest pause between two notifications of this process (a wake-up is due within
# 100 ms; this adds at most 20).
NOTIFY_INTERVAL_SECONDS = 0.02


class Topic:
    """One kind of news of one database, and who wants to hear of it in this process."""

    def __init__(self, channel: str) -> None:
        self.channel = channel  # the PostgreSQL channel other processes hear it on
        # Lists changed in place, so ``announce_after_commit`` only tests them.
        self.readers: list[Callback] = []
        self.publishers: list[Callback] = []

    def listen(self, reader: Callback) -> None:
        self.readers.append(reader)

    def unlisten(self, reader: Callback) -> None:
        _remove(self.readers, reader)

    def publish_commits(self, publisher: Callback) -> None:
        self.publishers.append(publisher)

    def unpublish_commits(self, publisher: Callback) -> None:
        _remove(self.publishers, publisher)

    def wake(self) -> None:
        """Tell this process's readers that there may be news."""
        _call(self.readers)

    def committed(self) -> None:
        """A local transaction with news has committed."""
        _call(self.readers)
        _call(self.publishers)

    def announce_after_commit(self, session: Session) -> None:
        """Call ``committed`` once ``session`` commits; nothing when nobody listens (two
        attribute tests: this runs on the message-create path)."""
        if self.readers or self.publishers:
            session.after_commit(self.committed)

    async def wake_after_commit(self, session: Session) -> None:
        """Wake this process's readers once ``session`` commits (jobs: a local runner takes the
        job at once, and other processes find the overflow at their poll); with no reader, the
        publishers (the relay's one ``NOTIFY`` after commit for however many); with neither
        (a one-shot CLI command), ``NOTIFY`` inside the transaction, delivered at its commit.
        That lock at commit serialized every message create when all did it (348 creates/s at
        c32; measured), so only a process with no relay may."""
        if self.readers:
            session.after_commit(self.wake)
        elif self.publishers:
            session.after_commit(self.committed)
        elif session.caps.supports_listen_notify:
            await session.conn.execute(_NOTIFY_IN_TRANSACTION[self.channel], {})


class Notifier:
    """A database's topics, and its relay to other processes (PostgreSQL)."""

    def __init__(self, url: str, *, cross_process: bool) -> None:
        self.url = url
        self.cross_process = cross_process
        self.events = Topic(EVENTS_CHANNEL)
        self.jobs = Topic(JOBS_CHANNEL)
        self.relaying = False

    async def relay(self, stop: asyncio.Event) -> None:
        """Relay until ``stop``: wake the event readers when another process says the log grew,
        and ``NOTIFY`` other processes after local commits. One relay per database and process
        (a second caller just waits); nothing to do on SQLite."""
        if not self.cross_process or self.relaying:
            await stop.wait()
            return
        self.relaying = True
        try:
            await Relay(self).run(stop)
        finally:
            self.relaying = False

    @contextlib.asynccontextmanager
    async def following(self, topic: Topic) -> AsyncIterator[None]:
        """While the block runs, wake ``topic``'s readers whenever another process notifies
        it. If the listener cannot connect, the readers still find their news by polling."""
        if not self.cross_process:
            yield
            return
        asyncpg = _asyncpg()
        try:
            connection = await asyncpg.connect(asyncpg_dsn(self.url))
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("cannot LISTEN on %s (%s); polling only", topic.channel, error)
            yield
            return
        try:
            await _listen(connection, [topic])
            yield
        finally:
            await _close(connection)


class Relay:
    """The relay's connection: listens for the event log of other processes, and notifies
    them of this process's commits that wrote events or enqueued jobs."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        # Jobs first: a worker's wake-up starts a delivery, a reader's only reads.
        self.pending = {topic: asyncio.Event() for topic in (notifier.jobs, notifier.events)}

    async def run(self, stop: asyncio.Event) -> None:
        events = self.notifier.events
        connection = await _asyncpg().connect(asyncpg_dsn(self.notifier.url))
        try:
            await _listen(connection, [events])
            for topic, pending in self.pending.items():
                topic.publish_commits(pending.set)
            events.wake()  # notifications sent while we were not listening are lost: look
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
            for topic, pending in self.pending.items():
                topic.unpublish_commits(pending.set)
            await _close(connection)

    async def _notify(self, connection: Any) -> None:
        """One ``NOTIFY`` per topic for everything committed since the last one, all in one
        round trip and one transaction."""
        statements = []
        for topic, pending in self.pending.items():
            if pending.is_set():
                pending.clear()
                statements.append(f"NOTIFY {topic.channel}")
        if statements:
            await connection.execute("; ".join(statements))

    async def _wait(self, stop: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(event.wait()) for event in (*self.pending.values(), stop)]
        try:
            await asyncio.wait(
                waiters, timeout=HEALTH_CHECK_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL as asyncpg takes it (no ``+asyncpg`` driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _asyncpg() -> Any:
    """asyncpg, imported when first needed: SQLite processes never need it."""
    import asyncpg  # type: ignore[import-untyped]

    return asyncpg


async def _listen(connection: Any, topics: Sequence[Topic]) -> None:
    """LISTEN on the topics' channels: a notification from another connection wakes the
    topic's readers (this process's own commits woke them already)."""
    own_pid = connection.get_server_pid()
    by_channel = {topic.channel: topic for topic in topics}

    def on_notification(conn: Any, pid: int, channel: str, payload: str) -> None:
        if pid != own_pid:
            by_channel[channel].wake()

    for channel in by_channel:
        await connection.add_listener(channel, on_notification)


async def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):
        await connection.close(timeout=2)


def _call(callbacks: Iterable[Callback]) -> None:
    for callback in list(callbacks):
        try:
            callback()
        except Exception:  # one broken listener must not keep the others asleep
            log.exception("wake-up listener failed")


def _remove(callbacks: list[Callback], callback: Callback) -> None:
    if callback in callbacks:
        callbacks.remove(callback)
