"""Custom events: create (scheduled ones wait for their time), get, list and cancel."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hubbub.api.botpress import mapping, query
from hubbub.api.botpress.deps import BotReader, BotWriter
from hubbub.api.botpress.schemas import EventCreateBody
from hubbub.api.deps import Cursors, ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.bot_events.schemas import BotEventFilter
from hubbub.bot_events.service import bot_event as bot_event_service

router = APIRouter()

_STATUSES = ("pending", "ignored", "processed", "failed", "scheduled", "canceled")


@router.post("/events", status_code=201)
async def create_event(body: EventCreateBody, caller: BotWriter, session: WriteSession) -> Response:
    created = await bot_event_service.create(
        session, caller.workspace_id, mapping.event_create(body)
    )
    return json_response({"event": mapping.event_out(created)}, 201)


@router.get("/events/{event_id}")
async def get_event(event_id: str, caller: BotReader, session: ReadSession) -> Response:
    found = await bot_event_service.get_or_raise(session, caller.workspace_id, event_id)
    return json_response({"event": mapping.event_out(found)}, 200)


@router.get("/events")
async def list_events(
    request: Request, caller: BotReader, session: ReadSession, cursors: Cursors
) -> Response:
    page = query.page(request, cursors)
    filters = BotEventFilter(
        type=query.text(request, "type"),
        conversation_id=query.text(request, "conversationId"),
        user_id=query.text(request, "userId"),
        message_id=query.text(request, "messageId"),
        workflow_id=query.text(request, "workflowId"),
        status=query.choice(request, "status", _STATUSES),
    )
    found, cursor = await bot_event_service.list(
        session, caller.workspace_id, filters, limit=page.size, cursor=page.cursor
    )
    events = [mapping.event_out(event) for event in found]
    return json_response({"events": events, "meta": query.meta(cursors, cursor)}, 200)


@router.delete("/events/scheduled/{event_id}")
async def cancel_scheduled_event(
    event_id: str, caller: BotWriter, session: WriteSession
) -> Response:
    await bot_event_service.cancel_scheduled(session, caller.workspace_id, event_id)
    return json_response({}, 200)
