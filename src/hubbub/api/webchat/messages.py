"""Messages: what the user writes is stored as an incoming message of his conversation,
authored by him (his contact), through the core message service like any inbound message.

``POST /messages/{id}/read`` is a Hubbub extension to the Chat API: the page acknowledges that
the user has seen a message sent to him, which records ``read`` through the core status
machine (an interaction and an event; a message never moves backwards). A message still
``sent`` is recorded ``delivered`` first, by the machine's own rule: read implies delivered.

``DELETE /messages/{id}`` deletes a message the user wrote himself (through the core, which
records ``message.deleted``); a message he can see but did not write answers 403."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from hubbub.api.deps import ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.api.webchat.access import users_conversation, users_message
from hubbub.api.webchat.deps import Reader, Writer
from hubbub.api.webchat.mapping import chat_message, payload_to_core
from hubbub.api.webchat.schemas import MessageCreateBody
from hubbub.errors import Forbidden, UnprocessableEntity
from hubbub.messages.schemas import Author, MessageCreate, StatusUpdate
from hubbub.messages.service import message as message_service

router = APIRouter(tags=["webchat"])


@router.post("/messages", status_code=201)
async def create_message(body: MessageCreateBody, user: Writer, session: WriteSession) -> Response:
    conversation = await users_conversation(session, user, body.conversationId)
    data = MessageCreate(
        conversation_id=conversation.id,
        direction="incoming",
        author=Author(type="contact", id=user.id),
        payload=payload_to_core(body.payload),
        tags=body.metadata or {},
    )
    created = await message_service.create(session, user.workspace_id, data, actor_kind="contact")
    return json_response({"message": chat_message(created)}, 201)


@router.get("/messages/{message_id}")
async def get_message(message_id: str, user: Reader, session: ReadSession) -> Response:
    found = await users_message(session, user, message_id)
    return json_response({"message": chat_message(found)}, 200)


@router.post("/messages/{message_id}/read")
async def acknowledge_message(message_id: str, user: Writer, session: WriteSession) -> Response:
    """Hubbub extension: the user has read this message. Answers the message and its status."""
    found = await users_message(session, user, message_id)
    if found.direction != "outgoing":
        raise UnprocessableEntity(
            "only messages sent to the user can be acknowledged", field="message_id"
        )
    # Read implies delivered: the core records delivered first when the stream that showed
    # the message has not yet.
    moved, _ = await message_service.update_status(
        session, user.workspace_id, found.id, StatusUpdate(status="read"), known=found
    )
    return json_response({"message": chat_message(moved), "status": moved.status}, 200)


@router.delete("/messages/{message_id}")
async def delete_message(message_id: str, user: Writer, session: WriteSession) -> Response:
    found = await users_message(session, user, message_id)
    if found.author.type != "contact" or found.author.id != user.id:
        raise Forbidden("only the author of a message may delete it")
    await message_service.delete(session, user.workspace_id, found.id)
    return json_response({}, 200)
