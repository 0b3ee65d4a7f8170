"""Messages: create (incoming when an integration calls, else outgoing), get-or-create by tags,
import history, get, update, list (newest first) and delete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from hubbub.api.botpress import mapping, query
from hubbub.api.botpress.deps import BotCaller, BotReader, BotWriter
from hubbub.api.botpress.schemas import (
    ImportedMessage,
    MessageCreateBody,
    MessageGetOrCreateBody,
    MessageImportBody,
    MessageUpdateBody,
)
from hubbub.api.deps import Cursors, ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.db.uow import Session
from hubbub.errors import HubbubError
from hubbub.messages.schemas import Message, MessageFilter
from hubbub.messages.service import message as message_service

router = APIRouter()

# Botpress's date bounds are inclusive, the core's exclusive.
_STEP = timedelta(microseconds=1)


@router.post("/messages", status_code=201)
async def create_message(
    body: MessageCreateBody, caller: BotWriter, session: WriteSession
) -> Response:
    data = mapping.message_create(body, incoming=caller.is_integration)
    created = await message_service.create(session, caller.workspace_id, data)
    return json_response({"message": mapping.message_out(created)}, 201)


@router.post("/messages/get-or-create")
async def get_or_create_message(
    body: MessageGetOrCreateBody, caller: BotWriter, session: WriteSession
) -> Response:
    data = mapping.message_get_or_create(body, incoming=caller.is_integration)
    found, created = await message_service.get_or_create(session, caller.workspace_id, data)
    return json_response({"message": mapping.message_out(found), "meta": {"created": created}}, 200)


@router.post("/messages/import-messages")
async def import_messages(
    body: MessageImportBody, caller: BotWriter, session: WriteSession
) -> Response:
    """History, each item a get-or-create by tags dated ``createdAt`` and sent nowhere. All or
    nothing: a bad item fails the request, and the transaction with it; its ``metadata.index``
    says which."""
    imported: list[Message] = []
    for index, item in enumerate(body.messages):
        try:
            imported.append(await _import_one(session, caller, item))
        except HubbubError as error:
            error.details.setdefault("index", index)
            raise
    return json_response({"messages": [mapping.message_out(m) for m in imported]}, 200)


async def _import_one(session: Session, caller: BotCaller, item: ImportedMessage) -> Message:
    data, created_at = mapping.message_import(item, incoming=caller.is_integration)
    found, _ = await message_service.get_or_create(
        session, caller.workspace_id, data, imported_at=created_at
    )
    return found


@router.get("/messages/{message_id}")
async def get_message(message_id: str, caller: BotReader, session: ReadSession) -> Response:
    found = await message_service.get_or_raise(session, caller.workspace_id, message_id)
    return json_response({"message": mapping.message_out(found)}, 200)


@router.put("/messages/{message_id}")
async def update_message(
    message_id: str, body: MessageUpdateBody, caller: BotWriter, session: WriteSession
) -> Response:
    current = await message_service.get_or_raise(session, caller.workspace_id, message_id)
    data = mapping.message_update(current, body)
    updated = await message_service.update(session, caller.workspace_id, message_id, data)
    return json_response({"message": mapping.message_out(updated)}, 200)


@router.get("/messages")
async def list_messages(
    request: Request, caller: BotReader, session: ReadSession, cursors: Cursors
) -> Response:
    page = query.page(request, cursors)
    after, before = query.date_range(request)
    filters = MessageFilter(
        conversation_id=query.text(request, "conversationId"),
        tags=[f"{key}={value}" for key, value in query.tags(request).items()],
        created_after=None if after is None else after - _STEP,
        created_before=None if before is None else before + _STEP,
    )
    found, cursor = await message_service.list(
        session, caller.workspace_id, filters, limit=page.size, order="desc", cursor=page.cursor
    )
    body: dict[str, Any] = {
        "messages": [mapping.message_out(message) for message in found],
        "meta": query.meta(cursors, cursor),
    }
    return json_response(body, 200)


@router.delete("/messages/{message_id}")
async def delete_message(message_id: str, caller: BotWriter, session: WriteSession) -> Response:
    await message_service.delete(session, caller.workspace_id, message_id)
    return json_response({}, 200)
