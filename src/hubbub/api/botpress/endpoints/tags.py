"""listTagValues: the distinct values one tag key has among the bot's users, conversations or
messages, in order, in pages (``nextToken`` names the last value given)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hubbub.api.botpress import query
from hubbub.api.botpress.deps import BotReader
from hubbub.api.botpress_errors import invalid_query
from hubbub.api.deps import Cursors, ReadSession
from hubbub.api.errors import json_response
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidInput
from hubbub.kit.cursors import Cursor
from hubbub.messages.service import message as message_service

router = APIRouter()

_TYPES = ("user", "conversation", "message")
_MAX_KEY = 100


@router.get("/tags/{key}/values")
async def list_tag_values(
    key: str, request: Request, caller: BotReader, session: ReadSession, cursors: Cursors
) -> Response:
    if len(key) > _MAX_KEY:
        raise InvalidInput(f"tag keys are at most {_MAX_KEY} characters", field="key")
    page = query.page(request, cursors)
    record_type = query.choice(request, "type", _TYPES)
    if record_type is None:
        raise invalid_query("type is required: user, conversation or message", field="type")
    after = None if page.cursor is None else page.cursor.id
    values, last = await _values(session, caller.workspace_id, record_type, key, after, page.size)
    cursor = None if last is None else Cursor(created_us=0, id=last, order="asc")
    tags = [{"value": value} for value in values]
    return json_response({"tags": tags, "meta": query.meta(cursors, cursor)}, 200)


async def _values(
    session: Session, workspace_id: str, record_type: str, key: str, after: str | None, size: int
) -> tuple[list[str], str | None]:
    if record_type == "user":
        return await contact_service.tag_values(session, workspace_id, key, after=after, limit=size)
    if record_type == "conversation":
        return await conversation_service.tag_values(
            session, workspace_id, key, after=after, limit=size
        )
    return await message_service.tag_values(session, workspace_id, key, after=after, limit=size)
