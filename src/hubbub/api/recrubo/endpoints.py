"""``/messages``: send, read, list, patch and delete messages (Recrubo's Message resource)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hubbub.api.deps import ReadSession, WriteSession
from hubbub.api.recrubo import payloads
from hubbub.api.recrubo.defaults import (
    DEFAULT_ORIGIN,
    DELIVERY_STATUS,
    ORIGINS,
    SEND_BY_AUTHOR_TYPE,
    SEND_BY_TAG,
)
from hubbub.api.recrubo.deps import Reader, Writer, base_url
from hubbub.api.recrubo.errors import invalid_field, invalid_parameter, read_document
from hubbub.api.recrubo.mapping import MESSAGES, document, message_resource
from hubbub.api.recrubo.query import (
    RANGE_OPERATORS,
    Filter,
    ListQuery,
    exclusive_bounds,
    page_links,
    page_meta,
    parse_include,
    parse_list_query,
    read_page_at,
)
from hubbub.api.recrubo.schemas import MessageCreateDocument, MessagePatchDocument
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import Conflict
from hubbub.messages.payloads import Payload
from hubbub.messages.schemas import Author, Message, MessageCreate, MessageFilter, MessageUpdate
from hubbub.messages.service import message as message_service
from hubbub.messages.status import Status

router = APIRouter(tags=["recrubo"])

THREAD_POINTER = "/data/attributes/messageThreadId"
MESSAGE_FILTERS: dict[str, tuple[str, ...]] = {
    "messageThreadId": ("eq",),
    "deliveryStatus": ("eq",),
    "origin": ("eq",),
    "sendBy": ("eq",),
    "channel": ("eq",),
    "createdAt": RANGE_OPERATORS,
    "updatedAt": RANGE_OPERATORS,
}


@router.post("/messages")
async def create_message(request: Request, actor: Writer, session: WriteSession) -> Response:
    body = await read_document(request, MessageCreateDocument, resource_type=MESSAGES)
    attributes = body.data.attributes
    thread_id = _thread_id(body)
    thread = await conversation_service.get(session, actor.workspace_id, thread_id)
    if thread is None:
        raise invalid_field(THREAD_POINTER, f"message thread {thread_id} not found")
    payload = await payloads.to_core(
        session,
        actor.workspace_id,
        attributes.payload,
        channel_id=thread.channel_id,
        base_url=base_url(request),
    )
    direction = ORIGINS[attributes.origin or DEFAULT_ORIGIN]
    # sendBy is a display name, not an agent of the workspace: it is kept as Recrubo's
    # private tag (read back by ``mapping.send_by``), and the author names no one.
    author = Author(type=SEND_BY_AUTHOR_TYPE)
    data = MessageCreate(
        conversation_id=thread.id,
        direction=direction,
        # An inbound message is written by the thread's candidate, whoever reports it.
        author=author if direction == "outgoing" else None,
        payload=payload,
    )
    message = await message_service.create(
        session, actor.workspace_id, data, private_tags={SEND_BY_TAG: attributes.sendBy}
    )
    return document(message_resource(message), status_code=201)


def _thread_id(body: MessageCreateDocument) -> str:
    given = body.data.attributes.messageThreadId
    related = body.data.relationships.messageThread if body.data.relationships else None
    if related is not None and given is not None and related.data.id != given:
        raise invalid_field(THREAD_POINTER, "messageThreadId and the messageThread differ")
    thread_id = given or (related.data.id if related is not None else None)
    if thread_id is None:
        raise invalid_field(
            THREAD_POINTER, "a message needs messageThreadId or a messageThread relationship"
        )
    return thread_id


@router.get("/messages")
async def list_messages(request: Request, actor: Reader, session: ReadSession) -> Response:
    query = parse_list_query(request, filters=MESSAGE_FILTERS)
    filters = message_filter(query.filters)

    async def fetch(offset: int, limit: int) -> tuple[list[Message], bool]:
        rows, after = await message_service.list(
            session, actor.workspace_id, filters, limit=limit, order=query.order, offset=offset
        )
        return rows, after is not None

    rows, has_next = await read_page_at(fetch, query)
    return _list_document(request, query, rows, has_next)


def _list_document(
    request: Request, query: ListQuery, rows: list[Message], has_next: bool
) -> Response:
    return document(
        [message_resource(row) for row in rows],
        links=page_links(request, query, has_next),
        meta=page_meta(query, len(rows)),
    )


def message_filter(filters: list[Filter]) -> MessageFilter:
    """The core filter for Recrubo's; ranges on one attribute narrow each other."""
    result = MessageFilter()
    for item in filters:
        match item.attribute:
            case "messageThreadId":
                result.conversation_id = item.value
            case "deliveryStatus":
                result.status = _statuses(item)
            case "origin":
                if item.value not in ORIGINS:
                    raise invalid_parameter(item.parameter, "origin is outbound or inbound")
                result.direction = ORIGINS[item.value]
            case "sendBy":
                result.private_tags[SEND_BY_TAG] = item.value
            case "channel":
                result.platform = item.value
            case "createdAt":
                after, before = exclusive_bounds(item)
                result.created_after = _latest(result.created_after, after)
                result.created_before = _earliest(result.created_before, before)
            case "updatedAt":
                after, before = exclusive_bounds(item)
                result.updated_after = _latest(result.updated_after, after)
                result.updated_before = _earliest(result.updated_before, before)
    return result


def _statuses(item: Filter) -> list[Status]:
    wanted = {value.strip() for value in item.value.split(",")}
    unknown = wanted - set(DELIVERY_STATUS.values())
    if unknown:
        names = ", ".join(sorted(set(DELIVERY_STATUS.values())))
        raise invalid_parameter(item.parameter, f"deliveryStatus is one of {names}")
    return [core for core, shown in DELIVERY_STATUS.items() if shown in wanted]


def _latest(current: datetime | None, new: datetime | None) -> datetime | None:
    return new if current is None else current if new is None else max(current, new)


def _earliest(current: datetime | None, new: datetime | None) -> datetime | None:
    return new if current is None else current if new is None else min(current, new)


@router.get("/messages/{message_id}")
async def get_message(
    message_id: str, request: Request, actor: Reader, session: ReadSession
) -> Response:
    parse_include(request)
    message = await message_service.get_or_raise(session, actor.workspace_id, message_id)
    return document(message_resource(message))


@router.patch("/messages/{message_id}")
async def update_message(
    message_id: str, request: Request, actor: Writer, session: WriteSession
) -> Response:
    body = await read_document(request, MessagePatchDocument, resource_type=MESSAGES)
    if body.data.id is not None and body.data.id != message_id:
        raise Conflict("data.id differs from the URL's id", details={"field": "/data/id"})
    current = await message_service.get_or_raise(session, actor.workspace_id, message_id)
    attributes = body.data.attributes
    payload = None
    if attributes.payload is not None:
        payload = await _payload(session, request, current, attributes.payload)
    private = {SEND_BY_TAG: attributes.sendBy} if attributes.sendBy is not None else None
    update = MessageUpdate(payload=payload)
    changed = await message_service.update(
        session, actor.workspace_id, message_id, update, private_tags=private
    )
    return document(message_resource(changed))


async def _payload(
    session: Session, request: Request, message: Message, raw: dict[str, object]
) -> Payload:
    return await payloads.to_core(
        session,
        message.workspace_id,
        dict(raw),
        channel_id=message.channel_id,
        base_url=base_url(request),
    )


@router.delete("/messages/{message_id}", status_code=204)
async def delete_message(message_id: str, actor: Writer, session: WriteSession) -> Response:
    await message_service.delete(session, actor.workspace_id, message_id)
    return Response(status_code=204)
