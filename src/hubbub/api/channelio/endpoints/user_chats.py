"""User chats = core conversations. A chat's user is its contact participant; Channel.io's
``opened``/``closed``/``snoozed`` are the core's ``open``/``closed``/``snoozed``, changed by the
core's conversation commands (close, reopen, snooze: a snooze ends by itself), and its assignee
(a manager) is the core's assignee (an agent)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from hubbub.agents.service import agent as agent_service
from hubbub.api.channelio import defaults, views
from hubbub.api.channelio.deps import Reader, Writer
from hubbub.api.channelio.errors import build
from hubbub.api.channelio.lookup import chat_user, find_chat, find_user
from hubbub.api.channelio.paging import SortOrder, decode_since, links, read_order
from hubbub.api.channelio.schemas import UserChatUpdate
from hubbub.api.deps import Cursors, ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.channels.service import channel as channel_service
from hubbub.conversations.schemas import (
    Conversation,
    ConversationCreate,
    ConversationStatus,
    ConversationUpdate,
)
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.kit.clock import to_micros
from hubbub.kit.cursors import Cursor, CursorCodec

router = APIRouter(tags=["channelio"])

ChatState = Literal["opened", "closed", "snoozed", "queued", "initial", "missed"]
Limit = Annotated[int, Query(ge=1, le=defaults.MAX_LIMIT)]
Since = Annotated[str | None, Query(max_length=1000)]
# Documented as required on close / open / snooze; Hubbub records no bot action with it.
BotName = Annotated[str, Query(alias="botName", min_length=1, max_length=200)]


@router.get("/user-chats")
async def list_user_chats(
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    state: ChatState = defaults.DEFAULT_STATE,
    sort_order: Annotated[SortOrder, Query(alias="sortOrder")] = "desc",
    since: Since = None,
    limit: Limit = defaults.DEFAULT_LIMIT,
) -> Response:
    status = defaults.STATE_TO_STATUS.get(state)
    return await _chat_page(
        session,
        actor.workspace_id,
        cursors,
        sort_order,
        since,
        limit,
        status=status,
        none=status is None,
    )


@router.get("/users/{user_id}/user-chats")
async def list_user_chats_of_user(
    user_id: str,
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    sort_order: Annotated[SortOrder, Query(alias="sortOrder")],
    since: Since = None,
    limit: Limit = defaults.DEFAULT_LIMIT,
) -> Response:
    found = await find_user(session, actor.workspace_id, user_id)
    return await _chat_page(
        session, actor.workspace_id, cursors, sort_order, since, limit, participant_id=found.id
    )


@router.post("/users/{user_id}/user-chats")
async def create_user_chat(user_id: str, actor: Writer, session: WriteSession) -> Response:
    found = await find_user(session, actor.workspace_id, user_id)
    channel, _ = await channel_service.get_or_create_for_platform(
        session,
        actor.workspace_id,
        platform=defaults.CHAT_CHANNEL_PLATFORM,
        name=defaults.CHAT_CHANNEL_NAME,
    )
    data = ConversationCreate(channel_id=channel.id, participant_ids=[found.id])
    created = await conversation_service.create(session, actor.workspace_id, data)
    body = {"userChat": views.user_chat(created, found.id), "user": views.user(found)}
    return json_response(body, defaults.CREATE_STATUS)


@router.get("/user-chats/{user_chat_id}")
async def get_user_chat(user_chat_id: str, actor: Reader, session: ReadSession) -> Response:
    found = await find_chat(session, actor.workspace_id, user_chat_id)
    return await _chat_view(session, actor.workspace_id, found)


@router.patch("/user-chats/{user_chat_id}")
async def update_user_chat(
    user_chat_id: str, data: UserChatUpdate, actor: Writer, session: WriteSession
) -> Response:
    found = await find_chat(session, actor.workspace_id, user_chat_id)
    attributes = {**found.attributes, defaults.DESCRIPTION_ATTRIBUTE: data.description}
    if data.description is None:
        attributes.pop(defaults.DESCRIPTION_ATTRIBUTE)
    return await _change(session, actor.workspace_id, found, attributes=attributes)


@router.patch("/user-chats/{user_chat_id}/close")
async def close_user_chat(
    user_chat_id: str, bot_name: BotName, actor: Writer, session: WriteSession
) -> Response:
    found = await find_chat(session, actor.workspace_id, user_chat_id)
    closed = await conversation_service.close(session, actor.workspace_id, found.id)
    return await _chat_view(session, actor.workspace_id, closed)


@router.put("/user-chats/{user_chat_id}/open")
async def open_user_chat(
    user_chat_id: str, bot_name: BotName, actor: Writer, session: WriteSession
) -> Response:
    found = await find_chat(session, actor.workspace_id, user_chat_id)
    opened = await conversation_service.reopen(session, actor.workspace_id, found.id)
    return await _chat_view(session, actor.workspace_id, opened)


@router.put("/user-chats/{user_chat_id}/snooze")
async def snooze_user_chat(
    user_chat_id: str,
    duration: Annotated[timedelta, Query(description="ISO 8601, e.g. PT23H50M")],
    bot_name: BotName,
    actor: Writer,
    session: WriteSession,
) -> Response:
    found = await find_chat(session, actor.workspace_id, user_chat_id)
    snoozed = await conversation_service.snooze(
        session, actor.workspace_id, found.id, duration=duration
    )
    return await _chat_view(session, actor.workspace_id, snoozed)


@router.patch("/user-chats/{user_chat_id}/assign-to/managers/{manager_id}")
async def assign_user_chat(
    user_chat_id: str, manager_id: str, bot_name: BotName, actor: Writer, session: WriteSession
) -> Response:
    found = await find_chat(session, actor.workspace_id, user_chat_id)
    assigned = await conversation_service.assign(
        session, actor.workspace_id, found.id, agent_id=manager_id
    )
    return await _chat_view(session, actor.workspace_id, assigned)


@router.delete("/user-chats/{user_chat_id}")
async def delete_user_chat(user_chat_id: str, actor: Writer, session: WriteSession) -> Response:
    await conversation_service.delete(session, actor.workspace_id, user_chat_id)
    return Response(status_code=defaults.DELETE_STATUS)


async def _change(
    session: Session, workspace_id: str, found: Conversation, **fields: Any
) -> Response:
    data = build(ConversationUpdate, **fields)
    updated = await conversation_service.update(session, workspace_id, found.id, data)
    return await _chat_view(session, workspace_id, updated)


async def _chat_view(session: Session, workspace_id: str, found: Conversation) -> Response:
    user = await chat_user(session, workspace_id, found)
    body: dict[str, Any] = {
        "userChat": views.user_chat(found, None if user is None else user.id),
        "chatTags": [],
    }
    if user is not None:
        body["user"] = views.user(user)
    return json_response(body, 200)


async def _assignees(
    session: Session, workspace_id: str, chats: list[Conversation]
) -> list[dict[str, Any]]:
    """The managers the chats are assigned to, each once."""
    managers = []
    for agent_id in dict.fromkeys(chat.assignee_id for chat in chats if chat.assignee_id):
        found = await agent_service.get(session, workspace_id, agent_id)
        if found is not None:
            managers.append(views.manager(found))
    return managers


async def _chat_page(
    session: Session,
    workspace_id: str,
    cursors: CursorCodec,
    sort_order: SortOrder,
    since: str | None,
    limit: int,
    *,
    status: ConversationStatus | None = None,
    participant_id: str | None = None,
    none: bool = False,
) -> Response:
    """One page of chats with their users; ``none`` answers an empty page (a state the core
    has no chats in)."""
    cursor = decode_since(cursors, since)
    order = read_order(sort_order, cursor)
    chats: list[Conversation] = []
    after: Cursor | None = None
    if not none:
        chats, after = await conversation_service.list(
            session,
            workspace_id,
            status=status,
            participant_id=participant_id,
            limit=limit,
            cursor=cursor,
            order=order,
        )
    first = chats[0] if chats else None
    position = None if first is None else Cursor(to_micros(first.created_at), first.id, order)
    rendered, users = [], {}
    for chat in chats:
        user = await chat_user(session, workspace_id, chat)
        rendered.append(views.user_chat(chat, None if user is None else user.id))
        if user is not None:
            users[user.id] = views.user(user)
    body: dict[str, Any] = {
        "userChats": rendered,
        "users": list(users.values()),
        "messages": [],
        "sessions": [],
        "managers": await _assignees(session, workspace_id, chats),
        "chatTags": [],
    }
    body.update(links(cursors, first=position, after=after, since=cursor))
    return json_response(body, 200)
