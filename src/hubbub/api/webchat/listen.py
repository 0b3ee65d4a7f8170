"""``GET /conversations/{id}/listen``: the conversation as Chat signals over Server-Sent Events.

Each SSE message is ``id: <event seq>`` and ``data: {"type": "message_created", "data": <chat
message + isBot>}``, with no ``event:`` line, since the Chat client listens to unnamed
messages only. Keep-alives are ``{"type": "ping"}`` messages rather than comments, so the Chat
client's watchdog (which resets on messages) keeps the connection. A client that reconnects
with ``Last-Event-ID`` gets what it missed from the log, then live events, as the native
stream does (``hubbub.realtime``).

What becomes a ``message_created``: a message from the user's side when it is created, and an
outgoing message when it has been sent (its status leaves the not-yet-sent states), so a
scheduled message appears when it goes out. When the stream has written an outgoing message
that was only ``sent``, it records ``delivered`` through the core status machine, which makes
it an interaction and an event and never moves a message backwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any, Final

import orjson

from hubbub.api.webchat.mapping import chat_signal_message
from hubbub.db.uow import Database
from hubbub.events.schemas import Event
from hubbub.messages.schemas import Message, StatusUpdate
from hubbub.messages.service import message as message_service
from hubbub.realtime.hub import Hub, Subscriber
from hubbub.realtime.stream import replay

RETRY_MILLISECONDS = 2000
PING: Final = b'data: {"type":"ping","data":{}}\n\n'
EVENT_TYPES: Final = frozenset({"message.created", "message.status_changed"})
NOT_YET_SENT: Final = frozenset({"scheduled", "accepted", "sending"})
REACHED_USER: Final = frozenset({"sent", "delivered", "read"})


@dataclass(frozen=True)
class Listener:
    database: Database
    hub: Hub
    workspace_id: str
    conversation_id: str
    keepalive_seconds: float

    def subscriber(self) -> Subscriber:
        return Subscriber(
            self.workspace_id, conversation_id=self.conversation_id, types=EVENT_TYPES
        )


async def open_chat_stream(listener: Listener, *, after: int | None) -> AsyncIterator[bytes]:
    """Subscribe to the hub now, then hand back the stream's bytes. Subscribing before the
    response starts matters: clients (the Chat client, the widget) count a stream as open when
    its headers arrive, and anything that happens after that must reach them. ``after``: the
    last event the client has (None: only what happens from now on)."""
    hub = listener.hub
    subscriber = listener.subscriber()
    position = await hub.join(subscriber)
    return _chat_stream(listener, subscriber, position=position, after=after)


async def _chat_stream(
    listener: Listener, subscriber: Subscriber, *, position: int, after: int | None
) -> AsyncIterator[bytes]:
    hub = listener.hub
    try:
        yield b"retry: %d\n: connected\n\n" % RETRY_MILLISECONDS
        last = position if after is None else after
        async for event in replay(listener.database, subscriber, after=last, upto=position):
            async for chunk in _emit(listener, event):
                yield chunk
            last = event.seq
        last = max(last, position)
        while not (subscriber.closed and subscriber.queue.empty()):
            try:
                item = await asyncio.wait_for(subscriber.queue.get(), listener.keepalive_seconds)
            except TimeoutError:
                yield PING
                continue
            if item is None:
                return
            if item.seq > last:
                async for chunk in _emit(listener, item):
                    yield chunk
                last = item.seq
    finally:
        hub.unsubscribe(subscriber)


async def _emit(listener: Listener, event: Event) -> AsyncIterator[bytes]:
    message = await _message_to_show(listener, event)
    if message is None:
        return
    yield _format(event.seq, {"type": "message_created", "data": chat_signal_message(message)})
    # Only now has the user's stream taken the message: that is what delivered means here.
    if message.direction == "outgoing" and message.status == "sent":
        await _shielded(_record_delivered(listener, message))


async def _message_to_show(listener: Listener, event: Event) -> Message | None:
    if event.type == "message.created":
        created = Message.model_validate(event.data["message"])
        return created if created.direction == "incoming" else None
    if not _went_out(event.data) or event.message_id is None:
        return None
    async with listener.database.read() as session:
        return await message_service.get(session, listener.workspace_id, event.message_id)


def _went_out(data: dict[str, Any]) -> bool:
    """A status change that takes a message from not-yet-sent to one of the reached states:
    it happens once per message, so each outgoing message is shown once."""
    return data.get("previous") in NOT_YET_SENT and data.get("status") in REACHED_USER


# Writes that must finish even when their stream is cancelled (kept here until they do).
_finishing: set[asyncio.Task[None]] = set()


async def _shielded(write: Coroutine[Any, Any, None]) -> None:
    """Run ``write`` to the end even if the stream is cancelled meanwhile: a client that
    disconnects right after receiving a message (a closed tab) still received it."""
    task = asyncio.create_task(write)
    _finishing.add(task)
    task.add_done_callback(_finishing.discard)
    await asyncio.shield(task)


async def _record_delivered(listener: Listener, message: Message) -> None:
    async with listener.database.transaction() as session:
        await message_service.update_status(
            session, listener.workspace_id, message.id, StatusUpdate(status="delivered")
        )


def _format(seq: int, signal: dict[str, Any]) -> bytes:
    return b"id: %d\ndata: %s\n\n" % (seq, orjson.dumps(signal))
