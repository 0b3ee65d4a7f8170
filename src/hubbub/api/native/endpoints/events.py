"""The workspace's event log, paged by sequence number (``after``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from hubbub.api.native.deps import Reader, ReadSession
from hubbub.events.schemas import Event
from hubbub.events.service import MAX_PAGE
from hubbub.events.service import event as event_service
from hubbub.events.types import selected_types

router = APIRouter(tags=["events"])

# The one event-type filter grammar (``hubbub.events.types``), here and on the streams.
TypeFilter = Annotated[
    list[str] | None,
    Query(description="Event types: '*', a type ('message.created') or a family ('message.*')"),
]
# Sequence numbers are BIGINTs; a larger ``after`` is a 422 rather than a failed query.
MAX_SEQ = 2**63 - 1


class EventList(BaseModel):
    data: list[Event]
    # Pass as ``after`` for the next page; null when the log has nothing more for now.
    next_after: int | None


@router.get("/events")
async def list_events(
    actor: Reader,
    session: ReadSession,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    type: TypeFilter = None,
    conversation_id: str | None = None,
) -> EventList:
    page = await event_service.list(
        session,
        actor.workspace_id,
        after=after,
        limit=limit,
        conversation_id=conversation_id,
        types=sorted(selected_types(type)) or None,
    )
    return EventList(data=page.events, next_after=page.next_after)
