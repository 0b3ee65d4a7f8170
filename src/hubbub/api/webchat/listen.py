"""``GET /conversations/{id}/listen``: the conversation as Chat signals over Server-Sent Events.

Each SSE message is ``id: <event seq>`` and ``data: {"type": <signal>, "data": {...}}`` in the
shapes of the ``@botpress/chat`` client's signal schemas, with no ``event:`` line, since the
Chat client listens to unnamed messages only. Keep-alives are ``{"type": "ping"}`` messages
rather than comments, so the Chat client's watchdog (which resets on messages) keeps the
connection. A client that reconnects with ``Last-Event-ID`` gets what it missed from the log,
then live events, as the native stream does (``hubbub.realtime``).

The signals, each from one core event of the conversation:

* ``message_created`` (the Chat message + ``isBot``): a message from the user's side when it
  is created, and an outgoing message when it has been sent (its status leaves the
  not-yet-sent states), so a scheduled message appears when it goes out. When the stream has
  written an outgoing message, it tells the core the message was shown to its recipient
  (``record_shown``: one only ``sent`` is then ``delivered``, an interaction and an event).
* ``message_deleted`` (``id``, ``conversationId``, ``userId``: its author): from
  ``message.deleted``, for a message the user could see (one deleted before it went out was
  never shown, so its deletion is not either). A ``message.deleted`` recorded before the event
  named the author is skipped, since the signal requires the author.
* ``event_created`` (the Chat event + ``isBot``): a Chat custom event (``POST /events``, or a
  bot's ``webchat:custom`` event).
* ``participant_added`` / ``participant_removed`` (``conversationId``, ``participantId``): from
  ``conversation.participant_added`` / ``_removed``, for contact participants only (agents and
  bots are not Chat users). Those a conversation is created with are not signalled: nobody can
  listen to it before it exists.

The stream lasts while the user takes part: before each signal it checks that he still does,
and it ends once he has been removed (his own ``participant_removed`` is the last signal he
gets) or the conversation deleted (``conversation.deleted`` ends it at once).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any, Final

import orjson
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from hubbub.api.webchat.access import CUSTOM_EVENT_TYPE, VISIBLE, is_participant
from hubbub.api.webchat.mapping import (
    chat_signal_deleted,
    chat_signal_event,
    chat_signal_message,
    chat_signal_participant,
)
from hubbub.bot_events.schemas import BotEvent
from hubbub.conversations.schemas import PARTICIPANT_ADDED, PARTICIPANT_REMOVED
from hubbub.db.uow import Database, Session
from hubbub.errors import NotFound
from hubbub.events.schemas import Event
from hubbub.messages.schemas import Author, Message
from hubbub.messages.service import message as message_service
from hubbub.messages.status import NOT_YET_OUT, WENT_OUT
from hubbub.realtime.hub import Hub, Subscriber
from hubbub.realtime.stream import replay

RETRY_MILLISECONDS = 2000
CONNECTED: Final = b"retry: %d\n: connected\n\n" % RETRY_MILLISECONDS
PING: Final = b'data: {"type":"ping","data":{}}\n\n'
STREAM_HEADERS: Final = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
PARTICIPANT_SIGNALS: Final = {
    PARTICIPANT_ADDED: "participant_added",
    PARTICIPANT_REMOVED: "participant_removed",
}
EVENT_TYPES: Final = frozenset(
    {
        "message.created",
        "message.status_changed",
        "message.deleted",
        "bot_event.created",
        "conversation.deleted",
        *PARTICIPANT_SIGNALS,
    }
)
NOT_YET_SENT: Final = frozenset(NOT_YET_OUT)
REACHED_USER: Final = frozenset(WENT_OUT)


@dataclass(frozen=True)
class Signal:
    """A signal its event tells whole (a deletion, a participant change)."""

    type: str
    data: dict[str, Any]
    # The participant a participant signal is about.
    participant_id: str | None = None


# What an event may show, known from the event alone: a signal, a message or custom event it
# carries, or the id of a message to read (a status change carries no message).
Candidate = Signal | Message | BotEvent | str


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
        taking_part = await is_participant(
            session, listener.workspace_id, listener.conversation_id, listener.contact_id
        )
        shown = await _resolve(session, listener, candidate) if taking_part else None
    if not taking_part:
        # His own removal he is told, so that he knows why his stream ends.
        if isinstance(candidate, Signal) and _removes(candidate, listener.contact_id):
            yield _format(event.seq, _signal(candidate))
        raise StreamEnded
    if shown is None:
        return
    yield _format(event.seq, _signal(shown))
    # Only now has the user's stream taken the message: the core says what that changes.
    if isinstance(shown, Message) and message_service.moves_when_shown(shown):
        await _shielded(_record_shown(listener, shown))


def _signal(shown: Signal | Message | BotEvent) -> dict[str, Any]:
    if isinstance(shown, Signal):
        return {"type": shown.type, "data": shown.data}
    if isinstance(shown, BotEvent):
        return {"type": "event_created", "data": chat_signal_event(shown)}
    return {"type": "message_created", "data": chat_signal_message(shown)}


def _candidate(event: Event) -> Candidate | None:
    if event.type == "message.created":
        created = Message.model_validate(event.data["message"])
        return created if created.direction == "incoming" else None
    if event.type == "bot_event.created":
        bot_event = BotEvent.model_validate(event.data["bot_event"])
        return bot_event if bot_event.type == CUSTOM_EVENT_TYPE else None
    if event.type == "message.deleted":
        return _deletion(event)
    if event.type in PARTICIPANT_SIGNALS:
        return _participant_change(event)
    if _went_out(event.data) and event.message_id is not None:
        return event.message_id
    return None


def _deletion(event: Event) -> Signal | None:
    """A message the user could see, deleted. Events recorded before ``message.deleted``
    named the author cannot be signalled: the signal requires his id."""
    author = event.data.get("author")
    if author is None or event.message_id is None or event.conversation_id is None:
        return None
    if event.data.get("status") not in VISIBLE:
        return None  # never shown (deleted before it went out): its deletion is not either
    data = chat_signal_deleted(
        event.message_id, event.conversation_id, Author.model_validate(author)
    )
    return Signal("message_deleted", data)


def _participant_change(event: Event) -> Signal | None:
    """Only contacts are Chat users: an agent or bot joining or leaving is not signalled."""
    contact_id = event.data.get("contact_id")
    if event.data.get("role") != "contact" or contact_id is None or event.conversation_id is None:
        return None
    data = chat_signal_participant(event.conversation_id, contact_id)
    return Signal(PARTICIPANT_SIGNALS[event.type], data, participant_id=contact_id)


def _removes(signal: Signal, contact_id: str) -> bool:
    return signal.type == "participant_removed" and signal.participant_id == contact_id


async def _resolve(
    session: Session, listener: Listener, candidate: Candidate
) -> Signal | Message | BotEvent | None:
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


async def _record_shown(listener: Listener, message: Message) -> None:
    # A message deleted since the stream showed it has no status left to move: that is no
    # reason to break the stream.
    with contextlib.suppress(NotFound):
        async with listener.database.transaction() as session:
            await message_service.record_shown(session, listener.workspace_id, message.id)


def _format(seq: int, signal: dict[str, Any]) -> bytes:
    return b"id: %d\ndata: %s\n\n" % (seq, orjson.dumps(signal))
