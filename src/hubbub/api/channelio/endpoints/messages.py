"""Messages of a user chat. A create is idempotent on ``requestId`` through the core's
idempotency keys (scoped to the chat): a replay answers the first message, never a second one;
the same ``requestId`` with other content is a 409."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Response

from hubbub.api.channelio import defaults, mapping, views
from hubbub.api.channelio.deps import Reader, Writer
from hubbub.api.channelio.errors import build
from hubbub.api.channelio.lookup import chat_user, find_chat
from hubbub.api.channelio.paging import (
    SortOrder,
    decode_since,
    links,
    message_position,
    read_order,
)
from hubbub.api.channelio.schemas import MessageCreate
from hubbub.api.deps import Cursors, ReadSession, WriteSession
from hubbub.contacts.service import contact as contact_service
from hubbub.db.uow import Session
from hubbub.idempotency.service import StoredResponse, canonical, fingerprint
from hubbub.idempotency.service import idempotency as idempotency_service
from hubbub.messages import schemas as core
from hubbub.messages.service import message as message_service

router = APIRouter(tags=["channelio"])

Limit = Annotated[int, Query(ge=1, le=defaults.MAX_LIMIT)]


@router.get("/user-chats/{user_chat_id}/messages")
async def list_messages(
    user_chat_id: str,
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    sort_order: Annotated[SortOrder, Query(alias="sortOrder")],
    since: Annotated[str | None, Query(max_length=1000)] = None,
    limit: Limit = defaults.DEFAULT_LIMIT,
) -> Response:
    cursor = decode_since(cursors, since)
    order = read_order(sort_order, cursor)
    chat = await find_chat(session, actor.workspace_id, user_chat_id)
    found, after = await message_service.list(
        session,
        actor.workspace_id,
        core.MessageFilter(conversation_id=chat.id),
        limit=limit,
        order=order,
        cursor=cursor,
    )
    first = message_position(found[0] if found else None, order)
    body: dict[str, Any] = links(cursors, first=first, after=after, since=cursor)
    body["messages"] = [views.message(item) for item in found]
    body["bots"] = _bots(found)
    body["users"] = await _users(session, actor.workspace_id, found)
    return Response(orjson.dumps(body), media_type="application/json")


@router.post("/user-chats/{user_chat_id}/messages")
async def create_message(
    user_chat_id: str,
    data: MessageCreate,
    actor: Writer,
    session: WriteSession,
    bot_name: Annotated[str | None, Query(alias="botName", min_length=1, max_length=200)] = None,
) -> Response:
    chat = await find_chat(session, actor.workspace_id, user_chat_id)
    payload, private_tags = mapping.to_core(data)
    key = None
    if data.requestId is not None:
        key = f"{defaults.REQUEST_ID_KEY_PREFIX}{chat.id}:{data.requestId}"
        stored = await idempotency_service.begin(
            session,
            actor.workspace_id,
            key=key,
            request_fingerprint=_fingerprint(chat.id, bot_name, data),
        )
        if stored is not None:
            return Response(stored.body, status_code=stored.status, media_type="application/json")
    request = build(
        core.MessageCreate,
        conversation_id=chat.id,
        direction="outgoing",
        author=core.Author(type="bot", id=bot_name or defaults.DEFAULT_BOT_NAME),
        payload=payload,
        reference=data.requestId,
    )
    created = await message_service.create(
        session, actor.workspace_id, request, private_tags=private_tags
    )
    body = orjson.dumps(await _message_view(session, actor.workspace_id, created)).decode()
    status = defaults.CREATE_STATUS
    if key is not None:
        await idempotency_service.complete(
            session, actor.workspace_id, key=key, response=StoredResponse(status, body)
        )
    return Response(body, status_code=status, media_type="application/json")


def _fingerprint(chat_id: str, bot_name: str | None, data: MessageCreate) -> str:
    return fingerprint("channelio.message", chat_id, bot_name or "", canonical(data))


async def _message_view(
    session: Session, workspace_id: str, created: core.Message
) -> dict[str, Any]:
    view: dict[str, Any] = {"message": views.message(created)}
    if created.author.type == "bot":
        view["bot"] = views.bot(views.person_id(created), workspace_id)
    chat = await find_chat(session, workspace_id, created.conversation_id)
    user = await chat_user(session, workspace_id, chat)
    if user is not None:
        view["user"] = views.user(user)
    return view


def _bots(found: list[core.Message]) -> list[dict[str, Any]]:
    names = dict.fromkeys(views.person_id(m) for m in found if m.author.type == "bot")
    return [views.bot(name, found[0].workspace_id) for name in names]


async def _users(
    session: Session, workspace_id: str, found: list[core.Message]
) -> list[dict[str, Any]]:
    """The users (contacts) who wrote any of ``found``."""
    ids = dict.fromkeys(m.author.id for m in found if m.author.type == "contact" and m.author.id)
    users = []
    for contact_id in ids:
        contact = await contact_service.get(session, workspace_id, contact_id)
        if contact is not None:
            users.append(views.user(contact))
    return users
