"""Custom events (``POST /events``, ``GET /events/{id}``): a user sends the bot something that
is not a message (a button pressed on the page, a form filled in) about a conversation he takes
part in. They are core bot events (``hubbub.bot_events``) of type ``webchat:custom`` with the
user as their user, so the bot reads them where it reads every bot event (the Botpress runtime
API's ``listEvents``, the event log's ``bot_event.created``), and the conversation's listeners
get them as ``event_created`` signals."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from hubbub.api.deps import ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.api.webchat.access import CUSTOM_EVENT_TYPE, users_conversation, users_event
from hubbub.api.webchat.deps import Reader, Writer
from hubbub.api.webchat.mapping import chat_event
from hubbub.api.webchat.schemas import EventCreateBody
from hubbub.bot_events.schemas import BotEventCreate
from hubbub.bot_events.service import bot_event as bot_event_service

router = APIRouter(tags=["webchat"])


@router.post("/events", status_code=201)
async def create_event(body: EventCreateBody, user: Writer, session: WriteSession) -> Response:
    conversation = await users_conversation(session, user, body.conversationId)
    created = await bot_event_service.create(
        session,
        user.workspace_id,
        BotEventCreate(
            type=CUSTOM_EVENT_TYPE,
            payload=body.payload,
            conversation_id=conversation.id,
            user_id=user.id,
        ),
    )
    return json_response({"event": chat_event(created)}, 201)


@router.get("/events/{event_id}")
async def get_event(event_id: str, user: Reader, session: ReadSession) -> Response:
    found = await users_event(session, user, event_id)
    return json_response({"event": chat_event(found)}, 200)
