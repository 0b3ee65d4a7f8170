"""The per-process realtime hub: follows the event log up to its safe horizon and hands each
new event to the SSE streams that want it.

A stream subscribes first and then replays what it missed from the log up to the hub's
position; everything after that position reaches it through its queue, so nothing falls
between replay and live. A stream that cannot keep up (its queue is full) is ended; the client
reconnects with ``Last-Event-ID`` and catches up from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.events.horizon import LogHorizon
from hubbub.events.schemas import Event
from hubbub.events.service import MAX_PAGE, feed
from hubbub.process.context import LoopContext

QUEUE_SIZE = 1000
SETTLING_SECONDS = 0.05


@dataclass(eq=False)
class Subscriber:
    workspace_id: str
    conversation_id: str | None = None
    types: frozenset[str] = frozenset()
    # None ends the stream (the hub stopped, or this subscriber fell behind).
    queue: asyncio.Queue[Event | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )
    closed: bool = False

    def wants(self, event: Event) -> bool:
        return (
            event.workspace_id == self.workspace_id
            and (self.conversation_id is None or event.conversation_id == self.conversation_id)
            and (not self.types or event.type in self.types)
        )

    def offer(self, event: Event) -> bool:
        """Queue the event; False when the queue is full (the subscriber is dropped)."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            return False
        return True

    def close(self) -> None:
        """End the stream once it has sent what is queued (a full queue needs no end marker:
        the stream sees ``closed`` when it has drained it)."""
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)


class Hub:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.horizon = LogHorizon(database.caps)
        # Every event with seq <= position has been handed to the subscribers of the time.
        self.position: int | None = None
        self.ready = asyncio.Event()
        self.running = False
        self.subscribers: set[Subscriber] = set()
        self.wake = asyncio.Event()
        self.subscribed = asyncio.Event()
        self._ticking = asyncio.Lock()

    async def join(self, subscriber: Subscriber) -> int:
        """Subscribe once the hub is up; the position up to which to replay from the log. The
        first subscriber brings the hub's position up to date first (it is left stale while
        nobody listens, see ``_sleep``), so a stream that starts now starts now."""
        await self.ready.wait()
        if not self.subscribers:
            await self.tick()
        return self.subscribe(subscriber)

    def subscribe(self, subscriber: Subscriber) -> int:
        """Register ``subscriber``; the position up to which it must replay from the log."""
        assert self.position is not None, "wait for hub.ready first"
        self.subscribers.add(subscriber)
        self.subscribed.set()
        return self.position

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    async def run(self, settings: Settings, stop: asyncio.Event) -> None:
        self.database.notifier.events.listen(self.wake.set)
        self.running = True
        try:
            while not stop.is_set():
                self.wake.clear()
                self.subscribed.clear()
                await self.tick()
                await self._sleep(settings, stop)
        finally:
            self.running = False
            self.database.notifier.events.unlisten(self.wake.set)
            for subscriber in list(self.subscribers):
                subscriber.close()
            self.subscribers.clear()

    async def tick(self) -> None:
        # Also run by ``join``: one tick at a time, or two would publish the same events.
        async with self._ticking:
            await self._tick()

    async def _tick(self) -> None:
        async with self.database.read() as session:
            horizon = await self.horizon.advance(session)
        if horizon is None:
            return
        if self.position is None:
            self.position = horizon
            self.ready.set()
        while self.position < horizon:
            if not self.subscribers:
                self.position = horizon
                return
            async with self.database.read() as session:
                events = await feed.between(session, after=self.position, upto=horizon)
            for event in events:
                self._publish(event)
            self.position = events[-1].seq if len(events) == MAX_PAGE else horizon

    def _publish(self, event: Event) -> None:
        for subscriber in list(self.subscribers):
            if subscriber.wants(event) and not subscriber.offer(event):
                self.subscribers.discard(subscriber)
                subscriber.close()

    async def _sleep(self, settings: Settings, stop: asyncio.Event) -> None:
        """Until the log may have grown, while someone listens; with no subscriber, until one
        subscribes or the poll interval ends. Following every commit for nobody cost a read
        transaction per commit in every API process. A stale position is safe: a new
        subscriber replays up to it and the next tick publishes the rest."""
        timeout = settings.realtime_poll_seconds
        if self.horizon.settling:
            timeout = min(timeout, SETTLING_SECONDS)
        trigger = self.wake if self.subscribers else self.subscribed
        waiters = [asyncio.ensure_future(trigger.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()


def hub_for(database: Database) -> Hub:
    """The database's one hub in this process (every stream of it shares the hub)."""
    return database.shared(Hub)


async def run_realtime_hub(context: LoopContext) -> None:
    """The background loop feeding this process's SSE streams."""
    hub = hub_for(context.database)
    if hub.running:  # two apps of one database in one process: one copy is enough
        await context.stop.wait()
        return
    await hub.run(context.settings, context.stop)
