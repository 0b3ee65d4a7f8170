"""One Server-Sent Events stream: what a client missed (from the log, after its
``Last-Event-ID``), then what happens live (from the hub), with keep-alive comments. Each event
is ``id:`` its sequence number, ``event:`` its type and ``data:`` its JSON."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson

from hubbub.db.uow import Database
from hubbub.events.schemas import Event
from hubbub.events.service import MAX_PAGE, feed
from hubbub.realtime.hub import Hub, Subscriber

# Tells EventSource clients how long to wait before reconnecting, in milliseconds.
RETRY_MILLISECONDS = 2000
KEEP_ALIVE = b": keep-alive\n\n"


def format_event(event: Event) -> bytes:
    data = orjson.dumps(event.model_dump(mode="json"))
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event.seq, event.type.encode(), data)


async def event_stream(
    database: Database,
    hub: Hub,
    subscriber: Subscriber,
    *,
    after: int | None,
    keepalive_seconds: float,
) -> AsyncIterator[bytes]:
    """The stream's bytes. ``after``: the last event the client has (None: only new ones)."""
    position = await hub.join(subscriber)
    try:
        # Sent once subscribed: from here on, nothing the log gains can pass the client by.
        yield b"retry: %d\n: connected\n\n" % RETRY_MILLISECONDS
        last = position if after is None else after
        async for event in replay(database, subscriber, after=last, upto=position):
            yield format_event(event)
            last = event.seq
        last = max(last, position)
        while True:
            if subscriber.closed and subscriber.queue.empty():
                return
            try:
                item = await asyncio.wait_for(subscriber.queue.get(), keepalive_seconds)
            except TimeoutError:
                yield KEEP_ALIVE
                continue
            if item is None:
                return
            if item.seq > last:
                yield format_event(item)
                last = item.seq
    finally:
        hub.unsubscribe(subscriber)


async def replay(
    database: Database, subscriber: Subscriber, *, after: int, upto: int
) -> AsyncIterator[Event]:
    """The subscriber's events of the log after ``after`` up to ``upto``, page by page."""
    while after < upto:
        async with database.read() as session:
            events = await feed.between(
                session,
                after=after,
                upto=upto,
                workspace_id=subscriber.workspace_id,
                conversation_id=subscriber.conversation_id,
                types=sorted(subscriber.types),
            )
        for event in events:
            yield event
        if len(events) < MAX_PAGE:
            return
        after = events[-1].seq
