"""Messages over the native API: create (with an optional ``Idempotency-Key``), get-or-create,
the filtered keyset list, one message, its interactions and its status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, field_validator

from hubbub.api.native.deps import Cursors, Reader, ReadSession, Writer, WriteSession
from hubbub.db.uow import Session
from hubbub.idempotency.service import StoredResponse, canonical, fingerprint
from hubbub.idempotency.service import idempotency as idempotency_service
from hubbub.messages.listing import DEFAULT_PAGE, MAX_PAGE
from hubbub.messages.schemas import (
    Direction,
    Interaction,
    InteractionCreate,
    Message,
    MessageCreate,
    MessageCreated,
    MessageFilter,
    MessageGetOrCreate,
    MessageUpdate,
    StatusChanged,
    StatusUpdate,
    as_utc,
)
from hubbub.messages.service import message as message_service
from hubbub.messages.status import Status
from hubbub.workspaces.schemas import Actor

router = APIRouter(tags=["messages"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
OrderQuery = Annotated[Literal["asc", "desc"], Query()]
IdQuery = Annotated[str | None, Query(min_length=1, max_length=64)]
ValueQuery = Annotated[str | None, Query(min_length=1, max_length=320)]
TimeQuery = Annotated[datetime | None, Query()]


class MessagePage(BaseModel):
    data: list[Message]
    next_cursor: str | None


class InteractionPage(BaseModel):
    data: list[Interaction]
    next_cursor: str | None


@router.post("/messages", status_code=201, response_model=Message)
async def create_message(
    request: Request,
    data: MessageCreate,
    actor: Writer,
    session: WriteSession,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Response:
    """201 with the message. With ``Idempotency-Key``, a replay of the same request answers the
    first response again and the same key with another request is a 409."""
    # The ordinary request never gets here: ``fast_create`` answers it (see there).
    return await respond_to_create(request, data, actor, session, idempotency_key)


async def respond_to_create(
    request: Request,
    data: MessageCreate,
    actor: Actor,
    session: Session,
    idempotency_key: str | None,
) -> Response:
    if idempotency_key is None:
        created = await message_service.create(session, actor.workspace_id, data)
        # Straight to JSON in pydantic's core: no dict of the message in between.
        return Response(created.model_dump_json(), status_code=201, media_type="application/json")
    request_fingerprint = fingerprint(request.method, request.url.path, canonical(data))
    stored = await idempotency_service.begin(
        session, actor.workspace_id, key=idempotency_key, request_fingerprint=request_fingerprint
    )
    if stored is not None:
        return Response(
            stored.body,
            status_code=stored.status,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    created = await message_service.create(session, actor.workspace_id, data)
    body = created.model_dump_json()
    await idempotency_service.complete(
        session, actor.workspace_id, key=idempotency_key, response=StoredResponse(201, body)
    )
    return Response(body, status_code=201, media_type="application/json")


@router.post("/messages/get-or-create")
async def get_or_create_message(
    data: MessageGetOrCreate, actor: Writer, session: WriteSession
) -> MessageCreated:
    found, created = await message_service.get_or_create(session, actor.workspace_id, data)
    return MessageCreated(message=found, created=created)


@router.get("/messages")
async def list_messages(
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    conversation_id: IdQuery = None,
    channel_id: IdQuery = None,
    platform: Annotated[str | None, Query(min_length=1, max_length=20)] = None,
    direction: Direction | None = None,
    status: Annotated[list[Status] | None, Query()] = None,
    sender: ValueQuery = None,
    recipient: ValueQuery = None,
    tag: Annotated[list[str] | None, Query()] = None,
    created_after: TimeQuery = None,
    created_before: TimeQuery = None,
    updated_after: TimeQuery = None,
    updated_before: TimeQuery = None,
    batch_id: IdQuery = None,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Limit = DEFAULT_PAGE,
    order: OrderQuery = "desc",
    cursor: str | None = None,
) -> MessagePage:
    filters = MessageFilter(
        conversation_id=conversation_id,
        channel_id=channel_id,
        platform=platform,
        direction=direction,
        status=status,
        sender=sender,
        recipient=recipient,
        tags=tag or [],
        created_after=as_utc(created_after),
        created_before=as_utc(created_before),
        updated_after=as_utc(updated_after),
        updated_before=as_utc(updated_before),
        batch_id=batch_id,
        q=q,
    )
    messages, next_cursor = await message_service.list(
        session,
        actor.workspace_id,
        filters,
        limit=limit,
        order=order,
        cursor=cursors.decode_optional(cursor),
    )
    return MessagePage(data=messages, next_cursor=cursors.encode_optional(next_cursor))


@router.get("/messages/{message_id}")
async def get_message(message_id: str, actor: Reader, session: ReadSession) -> Message:
    return await message_service.get_or_raise(session, actor.workspace_id, message_id)


@router.patch("/messages/{message_id}")
async def update_message(
    message_id: str, data: MessageUpdate, actor: Writer, session: WriteSession
) -> Message:
    return await message_service.update(session, actor.workspace_id, message_id, data)


@router.delete("/messages/{message_id}", status_code=204)
async def delete_message(message_id: str, actor: Writer, session: WriteSession) -> Response:
    await message_service.delete(session, actor.workspace_id, message_id)
    return Response(status_code=204)


@router.get("/messages/{message_id}/interactions")
async def list_interactions(
    message_id: str,
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    limit: Limit = DEFAULT_PAGE,
    order: OrderQuery = "desc",
    cursor: str | None = None,
) -> InteractionPage:
    entries, next_cursor = await message_service.list_interactions(
        session,
        actor.workspace_id,
        message_id,
        limit=limit,
        order=order,
        cursor=cursors.decode_optional(cursor),
    )
    return InteractionPage(data=entries, next_cursor=cursors.encode_optional(next_cursor))


@router.post("/messages/{message_id}/interactions", status_code=201)
async def record_interaction(
    message_id: str, data: InteractionCreate, actor: Writer, session: WriteSession
) -> Interaction:
    return await message_service.record_interaction(session, actor.workspace_id, message_id, data)


@router.post("/messages/{message_id}/status")
async def update_status(
    message_id: str, data: StatusUpdate, actor: Writer, session: WriteSession
) -> StatusChanged:
    """Move the message through the status machine; a duplicate or backward change (a late
    provider callback) is ignored and answers ``changed: false``."""
    found, changed = await message_service.update_status(
        session, actor.workspace_id, message_id, data
    )
    return StatusChanged(message=found, changed=changed)


@router.post("/messages/{message_id}/retry")
async def retry_message(message_id: str, actor: Writer, session: WriteSession) -> Message:
    """Send a failed outgoing message again: it moves back to ``accepted`` (an interaction and
    a ``message.status_changed`` event with ``retry: true``) and its delivery runs again;
    409 unless it failed."""
    return await message_service.retry(session, actor.workspace_id, message_id)


class MessageReschedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheduled_for: datetime

    @field_validator("scheduled_for")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.post("/messages/{message_id}/reschedule")
async def reschedule_message(
    message_id: str, data: MessageReschedule, actor: Writer, session: WriteSession
) -> Message:
    """Move a scheduled message to another time (a past time sends it now); 409 when it is
    not scheduled or is being sent."""
    return await message_service.reschedule(
        session, actor.workspace_id, message_id, scheduled_for=data.scheduled_for
    )


@router.post("/messages/{message_id}/cancel")
async def cancel_message(message_id: str, actor: Writer, session: WriteSession) -> Message:
    """Cancel a message that has not gone out yet (``scheduled`` or ``accepted``); 409 once it
    is being sent."""
    return await message_service.cancel(session, actor.workspace_id, message_id)
