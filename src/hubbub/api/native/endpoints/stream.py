"""Realtime: the event log as Server-Sent Events, for a workspace or one conversation.

A ``/stream`` URL streams: what the client missed after ``Last-Event-ID`` (or ``?after=``),
then live events, with keep-alive comments, whatever ``Accept`` says (``EventSource`` sends
``text/event-stream``, curl ``*/*``). Only a client that asks for JSON and not for a stream
(``Accept: application/json``) gets one JSON page of the same events (``{data, next_after}``,
as ``GET /v1/events``), to look at what a stream would replay.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from hubbub.api.deps import get_database
from hubbub.api.native.deps import Reader, ReadSession
from hubbub.api.native.endpoints.events import MAX_SEQ, EventList, TypeFilter
from hubbub.config import Settings
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidInput, NotFound
from hubbub.events.service import event as event_service
from hubbub.events.types import selected_types
from hubbub.realtime.hub import Subscriber, hub_for
from hubbub.realtime.stream import event_stream

router = APIRouter(tags=["events"])

EVENT_STREAM = "text/event-stream"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
JSON_PAGE = 100

After = Annotated[
    int | None, Query(ge=0, le=MAX_SEQ, description="Replay events after this sequence number")
]
LastEventId = Annotated[str | None, Header(alias="Last-Event-ID")]


@router.get("/events/stream", response_model=None)
async def stream_events(
    request: Request,
    actor: Reader,
    session: ReadSession,
    type: TypeFilter = None,
    after: After = None,
    last_event_id: LastEventId = None,
) -> Response | EventList:
    subscriber = Subscriber(actor.workspace_id, types=selected_types(type))
    return await _respond(request, session, subscriber, _resume_point(after, last_event_id))


@router.get("/conversations/{conversation_id}/events/stream", response_model=None)
async def stream_conversation_events(
    conversation_id: str,
    request: Request,
    actor: Reader,
    session: ReadSession,
    type: TypeFilter = None,
    after: After = None,
    last_event_id: LastEventId = None,
) -> Response | EventList:
    if await conversation_service.get(session, actor.workspace_id, conversation_id) is None:
        raise NotFound("conversation", conversation_id)
    subscriber = Subscriber(
        actor.workspace_id, conversation_id=conversation_id, types=selected_types(type)
    )
    return await _respond(request, session, subscriber, _resume_point(after, last_event_id))


def _resume_point(after: int | None, last_event_id: str | None) -> int | None:
    """The header wins: it is what a reconnecting EventSource sends."""
    if last_event_id is None or not last_event_id.strip():
        return after
    text = last_event_id.strip()
    if not text.isdigit() or int(text) > MAX_SEQ:
        raise InvalidInput("Last-Event-ID must be an event sequence number", field="Last-Event-ID")
    return int(text)


async def _respond(
    request: Request, session: Session, subscriber: Subscriber, after: int | None
) -> Response | EventList:
    if _wants_json_page(request.headers.get("accept", "")):
        return await _json_page(session, subscriber, after or 0)
    settings: Settings = request.app.state.settings
    database = get_database(request)
    stream = event_stream(
        database,
        hub_for(database),
        subscriber,
        after=after,
        keepalive_seconds=settings.sse_keepalive_seconds,
    )
    return StreamingResponse(stream, media_type=EVENT_STREAM, headers=STREAM_HEADERS)


def _wants_json_page(accept: str) -> bool:
    return "application/json" in accept and EVENT_STREAM not in accept


async def _json_page(session: Session, subscriber: Subscriber, after: int) -> EventList:
    page = await event_service.list(
        session,
        subscriber.workspace_id,
        after=after,
        limit=JSON_PAGE,
        conversation_id=subscriber.conversation_id,
        types=sorted(subscriber.types) or None,
    )
    return EventList(data=page.events, next_after=page.next_after)
