"""Users: Hubbub contacts, found or created by tags like Botpress users."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hubbub.api.botpress import mapping, query
from hubbub.api.botpress.deps import BotReader, BotWriter
from hubbub.api.botpress.schemas import UserCreateBody, UserGetOrCreateBody, UserUpdateBody
from hubbub.api.deps import Cursors, ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.contacts.schemas import ContactQuery
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.errors import NotFound

router = APIRouter()

_FIELDS = ("createdAt", "updatedAt")


def _column(field: str | None) -> str:
    return "updated_at" if field == "updatedAt" else "created_at"


@router.post("/users", status_code=201)
async def create_user(body: UserCreateBody, caller: BotWriter, session: WriteSession) -> Response:
    created = await contact_service.create(session, caller.workspace_id, mapping.user_create(body))
    return json_response({"user": mapping.user_out(created)}, 201)


@router.post("/users/get-or-create")
async def get_or_create_user(
    body: UserGetOrCreateBody, caller: BotWriter, session: WriteSession
) -> Response:
    data = mapping.user_get_or_create(body)
    found, created = await contact_service.get_or_create_by_tags(session, caller.workspace_id, data)
    return json_response({"user": mapping.user_out(found), "meta": {"created": created}}, 200)


@router.get("/users/{user_id}")
async def get_user(user_id: str, caller: BotReader, session: ReadSession) -> Response:
    found = await contact_service.get(session, caller.workspace_id, user_id)
    if found is None:
        raise NotFound("user", user_id)
    return json_response({"user": mapping.user_out(found)}, 200)


@router.put("/users/{user_id}")
async def update_user(
    user_id: str, body: UserUpdateBody, caller: BotWriter, session: WriteSession
) -> Response:
    current = await contact_service.get(session, caller.workspace_id, user_id)
    if current is None:
        raise NotFound("user", user_id)
    data = mapping.user_update(current, body)
    updated = await contact_service.update(session, caller.workspace_id, user_id, data)
    return json_response({"user": mapping.user_out(updated)}, 200)


@router.get("/users")
async def list_users(
    request: Request, caller: BotReader, session: ReadSession, cursors: Cursors
) -> Response:
    page = query.page(request, cursors)
    after, before = query.date_range(request)
    filters = ContactQuery(
        tags=query.tags(request),
        conversation_id=query.text(request, "conversationId"),
        after=after,
        before=before,
        range_field=_column(query.choice(request, "rangeField", _FIELDS)),
        sort_field=_column(query.choice(request, "sortField", _FIELDS)),
    )
    found, cursor = await contact_service.list_matching(
        session,
        caller.workspace_id,
        filters,
        limit=page.size,
        cursor=page.cursor,
        order=query.choice(request, "sortDirection", ("asc", "desc")) or "desc",
    )
    users = [mapping.user_out(contact) for contact in found]
    return json_response({"users": users, "meta": query.meta(cursors, cursor)}, 200)


@router.delete("/users/{user_id}")
async def delete_user(user_id: str, caller: BotWriter, session: WriteSession) -> Response:
    if await contact_service.get(session, caller.workspace_id, user_id) is None:
        raise NotFound("user", user_id)
    await conversation_service.delete_contact(session, caller.workspace_id, user_id)
    return json_response({}, 200)
