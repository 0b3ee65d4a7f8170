"""initializeIncomingMessage: what an integration does when a message arrives, in one call.
The user and the conversation are found or created by tags (or named by id), the user is made a
participant, and the message, if given, is found or created as an incoming message by that
user. Each step is the same core get-or-create the single operations use."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from hubbub.api.botpress import integrations, mapping
from hubbub.api.botpress.deps import BotCaller, BotWriter
from hubbub.api.botpress.schemas import InitializeIncomingBody
from hubbub.api.deps import WriteSession
from hubbub.api.errors import json_response
from hubbub.contacts.schemas import Contact
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import Conversation
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import NotFound
from hubbub.messages.service import message as message_service

router = APIRouter()


@router.post("/initialize-incoming-message")
async def initialize_incoming_message(
    body: InitializeIncomingBody, caller: BotWriter, session: WriteSession
) -> Response:
    workspace_id = caller.workspace_id
    user = await _user(session, workspace_id, body)
    conversation = await _conversation(session, caller, body)
    await conversation_service.add_participant(
        session, workspace_id, conversation.id, contact_id=user.id
    )
    out: dict[str, Any] = {"user": mapping.user_out(user)}
    if body.message is not None:
        data = mapping.incoming_message(
            body.message, user_id=user.id, conversation_id=conversation.id
        )
        message, _ = await message_service.get_or_create(session, workspace_id, data)
        out["message"] = mapping.message_out(message)
        # Read again: the message moved the conversation's count and times.
        conversation = await conversation_service.get_or_raise(
            session, workspace_id, conversation.id
        )
    integration = await integrations.integration_for(session, workspace_id, conversation.channel_id)
    out["conversation"] = mapping.conversation_out(conversation, integration)
    return json_response(out, 200)


async def _user(session: Session, workspace_id: str, body: InitializeIncomingBody) -> Contact:
    if body.user is None:
        assert body.userId is not None  # the schema requires one of the two
        found = await contact_service.get(session, workspace_id, body.userId)
        if found is None:
            raise NotFound("user", body.userId)
        return found
    data = mapping.user_get_or_create(body.user.as_get_or_create())
    user, _ = await contact_service.get_or_create_by_tags(session, workspace_id, data)
    return user


async def _conversation(
    session: Session, caller: BotCaller, body: InitializeIncomingBody
) -> Conversation:
    workspace_id = caller.workspace_id
    if body.conversation is None:
        assert body.conversationId is not None  # the schema requires one of the two
        return await conversation_service.get_or_raise(session, workspace_id, body.conversationId)
    wanted = body.conversation.as_get_or_create()
    name = integrations.requested_integration(wanted.integrationName, caller)
    channel = await integrations.channel_for(session, workspace_id, name)
    data = mapping.conversation_get_or_create(wanted, channel.id)
    found, _ = await conversation_service.get_or_create(session, workspace_id, data)
    return found
