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
it an interaction and an event and never moves a message backwards. A Chat custom event of the
conversation (``POST /events``, or a bot's ``webchat:custom`` event) becomes an
``event_created``.

The stream lasts while the user takes part: before each signal it checks that he still does,
and it ends once he has been removed or the conversation deleted (``conversation.deleted``
ends it at once). Not signalled: ``message_deleted`` (the core's ``message.deleted`` event does
not name the author, which the signal requires) and ``participant_added``/``_removed`` (the
core records no event for participant changes).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any, Final

import orjson
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from hubbub.api.webchat.access import CUSTOM_EVENT_TYPE, is_participant
from hubbub.api.webchat.mapping import chat_signal_event, chat_signal_message
from hubbub.bot_events.schemas import BotEvent
from hubbub.db.uow import Database, Session
from hubbub.events.schemas import Event
from hubbub.messages.schemas import Message, StatusUpdate
from hubbub.messages.service import message as message_service
from hubbub.realtime.hub import Hub, Subscriber
from hubbub.realtime.stream import replay

RETRY_MILLISECONDS = 2000
CONNECTED: Final = b"retry: %d\n: connected\n\n" % RETRY_MILLISECONDS
PING: Final = b'data: {"type":"ping","data":{}}\n\n'
STREAM_HEADERS: Final = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
EVENT_TYPES: Final = frozenset(
    {"message.created", "message.status_changed", "bot_event.created", "conversation.deleted"}
)
NOT_YET_SENT: Final = frozenset({"scheduled", "accepted", "sending"})
REACHED_USER: Final = frozenset({"sent", "delivered", "read"})

# What an event may show, known from the event alone: a message or custom event it carries, or
# the id of a message to read (a status change carries no message).
Candidate = Message | BotEvent | str


class StreamEnded(Exception):
    """The user no longer takes part in the conversation: his stream ends."""


@dataclass(frozen=True)
class Listener:
    database: Database
    hub: Hub
    workspace_id: str
    conversation_id: str
    contact_id: str
    keepalive_seconds: float

    def subscriber(self) -> Subscriber:
        return Subscriber(
            self.workspace_id, conversation_id=self.conversation_id, types=EVENT_TYPES
        )


class ChatStreamResponse(StreamingResponse):
    """The stream as a response that holds its hub subscription exactly while the server runs
    it. It subscribes when called, before the headers go out: clients (the Chat client, the
    widget) count a stream as open when its headers arrive, and anything that happens after
    that must reach them. It unsubscribes when the call ends, however it ends. (Released by the
    body's own ``finally``, a subscription leaked whenever the client was gone before the first
    byte: the body never started, so its ``finally`` never ran, and the hub kept the subscriber,
    and kept following every commit for it, for good.)"""

    def __init__(self, listener: Listener, *, after: int | None) -> None:
        self.listener = listener
        self.subscriber = listener.subscriber()
        self.after = after  # the last event the client has (None: only what happens from now)
        self.position: int | None = None
        self.stream = self._stream()
        super().__init__(self.stream, media_type="text/event-stream", headers=STREAM_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hub = self.listener.hub
        self.position = await hub.join(self.subscriber)
        try:
            await super().__call__(scope, receive, send)
        finally:
            hub.unsubscribe(self.subscriber)
            await self.stream.aclose()

    async def _stream(self) -> AsyncGenerator[bytes, None]:
        assert self.position is not None, "read only once __call__ has subscribed"
        listener, subscriber, position = self.listener, self.subscriber, self.position
        yield CONNECTED
        last = position if self.after is None else self.after
        try:
            async for event in replay(listener.database, subscriber, after=last, upto=position):
                async for chunk in _emit(listener, event):
                    yield chunk
                last = event.seq
            last = max(last, position)
            while not (subscriber.closed and subscriber.queue.empty()):
                try:
                    item = await asyncio.wait_for(
                        subscriber.queue.get(), listener.keepalive_seconds
                    )
                except TimeoutError:
                    yield PING
                    continue
                if item is None:
                    return
                if item.seq > last:
                    async for chunk in _emit(listener, item):
                        yield chunk
                    last = item.seq
        except StreamEnded:
            return


async def _emit(listener: Listener, event: Event) -> AsyncIterator[bytes]:
    if event.type == "conversation.deleted":
        raise StreamEnded
    candidate = _candidate(event)
    if candidate is None:
        return
    async with listener.database.read() as session:
        if not await is_participant(
            session, listener.workspace_id, listener.conversation_id, listener.contact_id
        ):
            raise StreamEnded
        shown = await _resolve(session, listener, candidate)
    if isinstance(shown, BotEvent):
        yield _format(event.seq, {"type": "event_created", "data": chat_signal_event(shown)})
        return
    if shown is None:
        return
    yield _format(event.seq, {"type": "message_created", "data": chat_signal_message(shown)})
    # Only now has the user's stream taken the message: that is what delivered means here.
    if shown.direction == "outgoing" and shown.status == "sent":
        await _shielded(_record_delivered(listener, shown))


def _candidate(event: Event) -> Candidate | None:
    if event.type == "message.created":
        created = Message.model_validate(event.data["message"])
        return created if created.direction == "incoming" else None
    if event.type == "bot_event.created":
        bot_event = BotEvent.model_validate(event.data["bot_event"])
        return bot_event if bot_event.type == CUSTOM_EVENT_TYPE else None
    if _went_out(event.data) and event.message_id is not None:
        return event.message_id
    return None


async def _resolve(
    session: Session, listener: Listener, candidate: Candidate
) -> Message | BotEvent | None:
    if not isinstance(candidate, str):
        return candidate
    return await message_service.get(session, listener.workspace_id, candidate)


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
