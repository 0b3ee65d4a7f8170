"""Conversations: each ``POST /conversations`` opens a new conversation on the channel with the
user as its participant; a user lists, reads and deletes only the conversations he takes part
in. Deleting one deletes its messages and participants with it (the core's foreign keys)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from hubbub.api.deps import Cursors, ReadSession, WriteSession, get_database
from hubbub.api.errors import json_response
from hubbub.api.webchat.access import VISIBLE, users_conversation
from hubbub.api.webchat.deps import Reader, Writer
from hubbub.api.webchat.listen import ChatStreamResponse, Listener
from hubbub.api.webchat.mapping import chat_conversation, chat_message
from hubbub.api.webchat.paging import CURSOR_PARAM, PAGE_SIZE, NextToken, meta
from hubbub.api.webchat.schemas import ConversationCreateBody, ConversationGetOrCreateBody
from hubbub.config import Settings
from hubbub.conversations.schemas import ConversationCreate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.errors import InvalidInput
from hubbub.messages.schemas import MessageFilter
from hubbub.messages.service import message as message_service
from hubbub.realtime.hub import hub_for

router = APIRouter(tags=["webchat"])

# The largest event sequence number a client may resume after (BIGINT).
MAX_SEQ = 2**63 - 1

LastEventId = Annotated[str | None, Header(alias="Last-Event-ID")]


@router.post("/conversations", status_code=201)
async def create_conversation(
    user: Writer, session: WriteSession, body: ConversationCreateBody | None = None
) -> Response:
    if body is not None and body.id is not None:
        raise InvalidInput("Hubbub chooses conversation ids; leave id out", field="id")
    created = await conversation_service.create(
        session,
        user.workspace_id,
        ConversationCreate(channel_id=user.channel.id, participant_ids=[user.id]),
    )
    return json_response({"conversation": chat_conversation(created)}, 201)


@router.post("/conversations/get-or-create")
async def get_or_create_conversation(
    body: ConversationGetOrCreateBody, user: Writer, session: WriteSession
) -> Response:
    """The user's conversation with this id. Hubbub chooses conversation ids, so one that is
    not the user's cannot be created under that id: it answers 404 like any other."""
    found = await users_conversation(session, user, body.id)
    return json_response({"conversation": chat_conversation(found)}, 200)


@router.get("/conversations")
async def list_conversations(
    user: Reader, session: ReadSession, cursors: Cursors, next_token: NextToken = None
) -> Response:
    found, cursor = await conversation_service.list(
        session,
        user.workspace_id,
        channel_id=user.channel.id,
        participant_id=user.id,
        limit=PAGE_SIZE,
        cursor=cursors.decode_optional(next_token, field=CURSOR_PARAM),
    )
    conversations = [chat_conversation(conversation) for conversation in found]
    return json_response({"conversations": conversations, "meta": meta(cursors, cursor)}, 200)


@router.get("/conversations/{conversation_id}")
async def get_conversation(conversation_id: str, user: Reader, session: ReadSession) -> Response:
    found = await users_conversation(session, user, conversation_id)
    return json_response({"conversation": chat_conversation(found)}, 200)


@router.delete("/conversations/{conversation_id}")
async def delete_conversation(
    conversation_id: str, user: Writer, session: WriteSession
) -> Response:
    found = await users_conversation(session, user, conversation_id)
    await conversation_service.delete(session, user.workspace_id, found.id)
    return json_response({}, 200)


@router.get("/conversations/{conversation_id}/messages")
async def list_messages(
    conversation_id: str,
    user: Reader,
    session: ReadSession,
    cursors: Cursors,
    next_token: NextToken = None,
) -> Response:
    """Newest first, as Botpress lists them."""
    await users_conversation(session, user, conversation_id)
    found, cursor = await message_service.list(
        session,
        user.workspace_id,
        MessageFilter(conversation_id=conversation_id, status=list(VISIBLE)),
        limit=PAGE_SIZE,
        order="desc",
        cursor=cursors.decode_optional(next_token, field=CURSOR_PARAM),
    )
    messages = [chat_message(message) for message in found]
    return json_response({"messages": messages, "meta": meta(cursors, cursor)}, 200)


@router.get("/conversations/{conversation_id}/listen", response_model=None)
async def listen(
    conversation_id: str,
    request: Request,
    user: Reader,
    session: ReadSession,
    last_event_id: LastEventId = None,
) -> ChatStreamResponse:
    """The stream subscribes when the response starts, not here: see ``ChatStreamResponse``."""
    await users_conversation(session, user, conversation_id)
    settings: Settings = request.app.state.settings
    database = get_database(request)
    listener = Listener(
        database=database,
        hub=hub_for(database),
        workspace_id=user.workspace_id,
        conversation_id=conversation_id,
        contact_id=user.id,
        keepalive_seconds=settings.sse_keepalive_seconds,
    )
    return ChatStreamResponse(listener, after=_resume_point(last_event_id))


def _resume_point(last_event_id: str | None) -> int | None:
    if last_event_id is None or not last_event_id.strip():
        return None
    text = last_event_id.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_SEQ:
        raise InvalidInput("Last-Event-ID must be an event sequence number", field="Last-Event-ID")
    return int(text)
