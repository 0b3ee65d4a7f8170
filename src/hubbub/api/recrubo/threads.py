"""``/message-threads``: a Recrubo thread is a conversation on the workspace's channel of one
platform (``channel``) with one contact (``identifier``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hubbub.api.deps import ReadSession, WriteSession
from hubbub.api.recrubo.defaults import INCLUDED_MESSAGES_LIMIT
from hubbub.api.recrubo.deps import Reader, Writer
from hubbub.api.recrubo.errors import invalid_field, read_document
from hubbub.api.recrubo.mapping import (
    CHATBOT_PAUSED,
    THREADS,
    ThreadView,
    document,
    message_resource,
    thread_resource,
)
from hubbub.api.recrubo.query import (
    ListQuery,
    page_links,
    page_meta,
    parse_include,
    parse_list_query,
    read_page_at,
)
from hubbub.api.recrubo.schemas import ThreadCreateDocument, ThreadPatchDocument
from hubbub.channels.service import channel as channel_service
from hubbub.connectors import registry
from hubbub.contacts.service import address_of
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import Conversation, ConversationUpdate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import Conflict, InvalidInput
from hubbub.messages.schemas import Message, MessageFilter
from hubbub.messages.service import message as message_service

router = APIRouter(tags=["recrubo"])

INCLUDES = ("messages",)
THREAD_FILTERS: dict[str, tuple[str, ...]] = {"channel": ("eq",), "identifier": ("eq",)}


async def channel_for(session: Session, workspace_id: str, platform: str, pointer: str) -> str:
    """The id of the workspace's channel of ``platform`` (the core's rule: its oldest)."""
    if registry.find(platform) is None:
        known = ", ".join(registry.names())
        raise invalid_field(pointer, f"unknown channel '{platform}'; one of {known}")
    found = await channel_service.for_platform(session, workspace_id, platform)
    if found is None:
        raise invalid_field(pointer, f"this workspace has no {platform} channel")
    return found.id


@router.post("/message-threads")
async def create_thread(request: Request, actor: Writer, session: WriteSession) -> Response:
    body = await read_document(request, ThreadCreateDocument, resource_type=THREADS)
    attributes = body.data.attributes
    workspace_id = actor.workspace_id
    channel_id = await channel_for(
        session, workspace_id, attributes.channel, "/data/attributes/channel"
    )
    key = registry.identifier_key(attributes.channel)
    try:
        contact, _ = await contact_service.get_or_create_by_identifier(
            session, workspace_id, key=key, value=attributes.identifier
        )
    except InvalidInput as error:
        raise invalid_field("/data/attributes/identifier", error.message) from error
    # One thread per channel and candidate: posting it again answers the existing one.
    conversation, created = await conversation_service.get_or_create_for_contacts(
        session, workspace_id, channel_id=channel_id, contact_ids=[contact.id]
    )
    if attributes.chatbotPaused != bool(conversation.attributes.get(CHATBOT_PAUSED, False)):
        conversation = await _set_paused(session, conversation, attributes.chatbotPaused)
    view = await thread_view(session, conversation, frozenset())
    return document(thread_resource(view), status_code=201 if created else 200)


async def _set_paused(session: Session, conversation: Conversation, paused: bool) -> Conversation:
    attributes = {**conversation.attributes, CHATBOT_PAUSED: paused}
    return await conversation_service.update(
        session,
        conversation.workspace_id,
        conversation.id,
        ConversationUpdate(attributes=attributes),
    )


async def thread_view(
    session: Session, conversation: Conversation, include: frozenset[str]
) -> ThreadView:
    """The thread's channel platform and candidate identifier (and its messages when asked)."""
    workspace_id = conversation.workspace_id
    platform = None
    if conversation.channel_id is not None:
        channel = await channel_service.get(session, workspace_id, conversation.channel_id)
        platform = channel.platform if channel is not None else None
    contact = await conversation_service.primary_contact(session, workspace_id, conversation.id)
    address = None
    if contact is not None:
        address = address_of(contact, registry.identifier_key(platform))
    identifier = None if address is None else address.value
    message_ids = None
    if "messages" in include:
        message_ids = [m.id for m in await _messages(session, conversation)]
    return ThreadView(conversation, platform, identifier, message_ids)


async def _messages(session: Session, conversation: Conversation) -> list[Message]:
    rows, _ = await message_service.list(
        session,
        conversation.workspace_id,
        MessageFilter(conversation_id=conversation.id),
        limit=INCLUDED_MESSAGES_LIMIT,
    )
    return rows


async def _included(session: Session, views: list[ThreadView]) -> list[dict[str, object]]:
    included = []
    for view in views:
        for message in await _messages(session, view.conversation):
            included.append(message_resource(message))
    return included


async def _single(
    session: Session, conversation: Conversation, include: frozenset[str]
) -> Response:
    view = await thread_view(session, conversation, include)
    included = await _included(session, [view]) if "messages" in include else None
    return document(thread_resource(view), included=included)


async def _listed(
    session: Session, request: Request, query: ListQuery, rows: list[Conversation], more: bool
) -> Response:
    views = [await thread_view(session, row, query.include) for row in rows]
    included = await _included(session, views) if "messages" in query.include else None
    return document(
        [thread_resource(view) for view in views],
        included=included,
        links=page_links(request, query, more),
        meta=page_meta(query, len(views)),
    )


@router.get("/message-threads")
async def list_threads(request: Request, actor: Reader, session: ReadSession) -> Response:
    query = parse_list_query(request, filters=THREAD_FILTERS, includes=INCLUDES)
    workspace_id = actor.workspace_id
    scope = await _scope(session, workspace_id, query)
    if scope is None:
        return await _listed(session, request, query, [], False)
    channel_id, participant_id = scope

    async def fetch(offset: int, limit: int) -> tuple[list[Conversation], bool]:
        rows, after = await conversation_service.list(
            session,
            workspace_id,
            channel_id=channel_id,
            participant_id=participant_id,
            limit=limit,
            order=query.order,
            offset=offset,
        )
        return rows, after is not None

    rows, more = await read_page_at(fetch, query)
    return await _listed(session, request, query, rows, more)


async def _scope(
    session: Session, workspace_id: str, query: ListQuery
) -> tuple[str | None, str | None] | None:
    """``(channel_id, participant_id)`` the filters narrow the list to; None when they match
    nothing (no channel of that platform, no contact with that identifier)."""
    channel_id: str | None = None
    participant_id: str | None = None
    for item in query.filters:
        if item.attribute == "channel":
            found = await channel_service.for_platform(session, workspace_id, item.value)
            if found is None:
                return None
            channel_id = found.id
        else:
            contacts = await contact_service.contact_ids_for_identifier(
                session, workspace_id, item.value
            )
            if not contacts:
                return None
            participant_id = contacts[0]
    return channel_id, participant_id


@router.get("/message-threads/{thread_id}")
async def get_thread(
    thread_id: str, request: Request, actor: Reader, session: ReadSession
) -> Response:
    include = parse_include(request, INCLUDES)
    found = await conversation_service.get_or_raise(session, actor.workspace_id, thread_id)
    return await _single(session, found, include)


@router.patch("/message-threads/{thread_id}")
async def update_thread(
    thread_id: str, request: Request, actor: Writer, session: WriteSession
) -> Response:
    body = await read_document(request, ThreadPatchDocument, resource_type=THREADS)
    if body.data.id is not None and body.data.id != thread_id:
        raise Conflict("data.id differs from the URL's id", details={"field": "/data/id"})
    found = await conversation_service.get_or_raise(session, actor.workspace_id, thread_id)
    paused = body.data.attributes.chatbotPaused
    if paused is not None:
        found = await _set_paused(session, found, paused)
    return await _single(session, found, frozenset())


@router.delete("/message-threads/{thread_id}", status_code=204)
async def delete_thread(thread_id: str, actor: Writer, session: WriteSession) -> Response:
    await conversation_service.delete(session, actor.workspace_id, thread_id)
    return Response(status_code=204)
