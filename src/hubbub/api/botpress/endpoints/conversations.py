"""Conversations and their participants. A conversation's integration is a core channel (see
``integrations``); participants are users, i.e. contacts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from hubbub.api.botpress import integrations, mapping, query
from hubbub.api.botpress.deps import BotReader, BotWriter
from hubbub.api.botpress.schemas import (
    ConversationCreateBody,
    ConversationGetOrCreateBody,
    ConversationUpdateBody,
    ParticipantAddBody,
)
from hubbub.api.deps import Cursors, ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import Conversation, ConversationQuery
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import NotFound

router = APIRouter()

_SORT_FIELDS = {"createdAt": "created_at", "updatedAt": "updated_at"}


async def _rendered(session: Session, workspace_id: str, found: Conversation) -> dict[str, Any]:
    integration = await integrations.integration_for(session, workspace_id, found.channel_id)
    return mapping.conversation_out(found, integration)


@router.post("/conversations", status_code=201)
async def create_conversation(
    body: ConversationCreateBody, caller: BotWriter, session: WriteSession
) -> Response:
    name = integrations.requested_integration(body.integrationName, caller)
    channel = await integrations.channel_for(session, caller.workspace_id, name)
    data = mapping.conversation_create(body, channel.id)
    created = await conversation_service.create(session, caller.workspace_id, data)
    return json_response({"conversation": mapping.conversation_out(created, name)}, 201)


@router.post("/conversations/get-or-create")
async def get_or_create_conversation(
    body: ConversationGetOrCreateBody, caller: BotWriter, session: WriteSession
) -> Response:
    name = integrations.requested_integration(body.integrationName, caller)
    channel = await integrations.channel_for(session, caller.workspace_id, name)
    data = mapping.conversation_get_or_create(body, channel.id)
    found, created = await conversation_service.get_or_create(session, caller.workspace_id, data)
    body_out = {"conversation": mapping.conversation_out(found, name), "meta": {"created": created}}
    return json_response(body_out, 200)


@router.get("/conversations/{conversation_id}")
async def get_conversation(
    conversation_id: str, caller: BotReader, session: ReadSession
) -> Response:
    found = await conversation_service.get_or_raise(session, caller.workspace_id, conversation_id)
    return json_response(
        {"conversation": await _rendered(session, caller.workspace_id, found)}, 200
    )


@router.put("/conversations/{conversation_id}")
async def update_conversation(
    conversation_id: str, body: ConversationUpdateBody, caller: BotWriter, session: WriteSession
) -> Response:
    workspace_id = caller.workspace_id
    current = await conversation_service.get_or_raise(session, workspace_id, conversation_id)
    data = mapping.conversation_update(current, body)
    updated = await conversation_service.update(session, workspace_id, conversation_id, data)
    return json_response({"conversation": await _rendered(session, workspace_id, updated)}, 200)


@router.get("/conversations")
async def list_conversations(
    request: Request, caller: BotReader, session: ReadSession, cursors: Cursors
) -> Response:
    page = query.page(request, cursors)
    channel_ids = None
    integration = query.text(request, "integrationName")
    if integration is not None:
        channel = await integrations.find_channel(session, caller.workspace_id, integration)
        channel_ids = [] if channel is None else [channel.id]
    channel_name = query.text(request, "channel")
    after, before = query.date_range(request)
    sort_field = query.choice(request, "sortField", ("createdAt", "updatedAt")) or "createdAt"
    filters = ConversationQuery(
        tags=query.tags(request),
        participant_ids=query.texts(request, "participantIds"),
        channel_ids=channel_ids,
        attributes={} if channel_name is None else {mapping.CHANNEL_ATTR: channel_name},
        created_after=after,
        created_before=before,
        min_message_count=query.number(request, "minMessageCount"),
        max_message_count=query.number(request, "maxMessageCount"),
        sort_field="created_at" if sort_field == "createdAt" else "updated_at",
    )
    found, cursor = await conversation_service.list_matching(
        session,
        caller.workspace_id,
        filters,
        limit=page.size,
        cursor=page.cursor,
        order=query.choice(request, "sortDirection", ("asc", "desc")) or "desc",
    )
    names = await integrations.integration_names(session, caller.workspace_id)
    conversations = [
        mapping.conversation_out(item, names.get(item.channel_id or "", "")) for item in found
    ]
    return json_response({"conversations": conversations, "meta": query.meta(cursors, cursor)}, 200)


@router.delete("/conversations/{conversation_id}")
async def delete_conversation(
    conversation_id: str, caller: BotWriter, session: WriteSession
) -> Response:
    await conversation_service.delete(session, caller.workspace_id, conversation_id)
    return json_response({}, 200)


# -- participants --------------------------------------------------------------------------


@router.get("/conversations/{conversation_id}/participants")
async def list_participants(
    conversation_id: str,
    request: Request,
    caller: BotReader,
    session: ReadSession,
    cursors: Cursors,
) -> Response:
    """Participants in the order they joined, one keyset page: the token marks the last
    participant given, so it stays valid as people come and go."""
    page = query.page(request, cursors)
    chosen, cursor = await conversation_service.list_participant_page(
        session, caller.workspace_id, conversation_id, limit=page.size, cursor=page.cursor
    )
    users = []
    for participant in chosen:
        contact = await contact_service.get(session, caller.workspace_id, participant.contact_id)
        if contact is not None:
            users.append(mapping.user_out(contact))
    return json_response({"participants": users, "meta": query.meta(cursors, cursor)}, 200)


@router.post("/conversations/{conversation_id}/participants")
async def add_participant(
    conversation_id: str, body: ParticipantAddBody, caller: BotWriter, session: WriteSession
) -> Response:
    workspace_id = caller.workspace_id
    await conversation_service.get_or_raise(session, workspace_id, conversation_id)
    user = await contact_service.get(session, workspace_id, body.userId)
    if user is None:
        raise NotFound("user", body.userId)
    await conversation_service.add_participant(
        session, workspace_id, conversation_id, contact_id=user.id
    )
    return json_response({"participant": mapping.user_out(user)}, 200)


@router.get("/conversations/{conversation_id}/participants/{user_id}")
async def get_participant(
    conversation_id: str, user_id: str, caller: BotReader, session: ReadSession
) -> Response:
    workspace_id = caller.workspace_id
    await conversation_service.get_or_raise(session, workspace_id, conversation_id)
    taking_part = await conversation_service.get_participant(
        session, workspace_id, conversation_id, user_id
    )
    user = await contact_service.get(session, workspace_id, user_id)
    if user is None or taking_part is None:
        raise NotFound("participant", user_id)
    return json_response({"participant": mapping.user_out(user)}, 200)


@router.delete("/conversations/{conversation_id}/participants/{user_id}")
async def remove_participant(
    conversation_id: str, user_id: str, caller: BotWriter, session: WriteSession
) -> Response:
    await conversation_service.remove_participant(
        session, caller.workspace_id, conversation_id, contact_id=user_id
    )
    return json_response({}, 200)
