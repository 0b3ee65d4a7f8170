"""Conversations and their participants. Everything is scoped to the caller's workspace: a
conversation of another workspace is simply not found."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from hubbub.api.native.deps import Cursors, Reader, ReadSession, Writer, WriteSession
from hubbub.conversations.schemas import (
    Conversation,
    ConversationAssign,
    ConversationCreate,
    ConversationGetOrCreate,
    ConversationGetOrCreateResult,
    ConversationSnooze,
    ConversationStatus,
    ConversationUpdate,
    Participant,
    ParticipantCreate,
)
from hubbub.conversations.service import MAX_PAGE
from hubbub.conversations.service import conversation as conversation_service
from hubbub.kit.cursors import Order

router = APIRouter(tags=["conversations"])


class ConversationList(BaseModel):
    data: list[Conversation]
    next_cursor: str | None


class ParticipantList(BaseModel):
    data: list[Participant]


@router.post("/conversations", status_code=201)
async def create_conversation(
    data: ConversationCreate, actor: Writer, session: WriteSession
) -> Conversation:
    return await conversation_service.create(session, actor.workspace_id, data)


@router.post("/conversations/get-or-create")
async def get_or_create_conversation(
    data: ConversationGetOrCreate, actor: Writer, session: WriteSession
) -> ConversationGetOrCreateResult:
    found, created = await conversation_service.get_or_create(session, actor.workspace_id, data)
    return ConversationGetOrCreateResult(conversation=found, created=created)


@router.get("/conversations")
async def list_conversations(
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    channel_id: str | None = None,
    status: ConversationStatus | None = None,
    tag: Annotated[str | None, Query(description="'key' or 'key=value'")] = None,
    participant_id: str | None = None,
    assignee_id: Annotated[
        str | None, Query(max_length=36, description="an agent's id, or 'none': unassigned")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    order: Order = "desc",
    cursor: str | None = None,
) -> ConversationList:
    page, after = await conversation_service.list(
        session,
        actor.workspace_id,
        channel_id=channel_id,
        status=status,
        tag=tag,
        participant_id=participant_id,
        assignee_id=assignee_id,
        limit=limit,
        cursor=cursors.decode_optional(cursor),
        order=order,
    )
    return ConversationList(data=page, next_cursor=cursors.encode_optional(after))


@router.get("/conversations/{conversation_id}")
async def get_conversation(
    conversation_id: str, actor: Reader, session: ReadSession
) -> Conversation:
    return await conversation_service.get_or_raise(session, actor.workspace_id, conversation_id)


@router.patch("/conversations/{conversation_id}")
async def update_conversation(
    conversation_id: str, data: ConversationUpdate, actor: Writer, session: WriteSession
) -> Conversation:
    return await conversation_service.update(session, actor.workspace_id, conversation_id, data)


@router.post("/conversations/{conversation_id}/close")
async def close_conversation(
    conversation_id: str, actor: Writer, session: WriteSession
) -> Conversation:
    return await conversation_service.close(session, actor.workspace_id, conversation_id)


@router.post("/conversations/{conversation_id}/reopen")
async def reopen_conversation(
    conversation_id: str, actor: Writer, session: WriteSession
) -> Conversation:
    return await conversation_service.reopen(session, actor.workspace_id, conversation_id)


@router.post("/conversations/{conversation_id}/snooze")
async def snooze_conversation(
    conversation_id: str, data: ConversationSnooze, actor: Writer, session: WriteSession
) -> Conversation:
    return await conversation_service.snooze(
        session, actor.workspace_id, conversation_id, until=data.until
    )


@router.post("/conversations/{conversation_id}/assign")
async def assign_conversation(
    conversation_id: str, data: ConversationAssign, actor: Writer, session: WriteSession
) -> Conversation:
    return await conversation_service.assign(
        session, actor.workspace_id, conversation_id, agent_id=data.agent_id
    )


@router.delete("/conversations/{conversation_id}", status_code=204)
async def delete_conversation(
    conversation_id: str, actor: Writer, session: WriteSession
) -> Response:
    await conversation_service.delete(session, actor.workspace_id, conversation_id)
    return Response(status_code=204)


@router.get("/conversations/{conversation_id}/participants")
async def list_participants(
    conversation_id: str, actor: Reader, session: ReadSession
) -> ParticipantList:
    participants = await conversation_service.list_participants(
        session, actor.workspace_id, conversation_id
    )
    return ParticipantList(data=participants)


@router.post("/conversations/{conversation_id}/participants", status_code=201)
async def add_participant(
    conversation_id: str, data: ParticipantCreate, actor: Writer, session: WriteSession
) -> Participant:
    return await conversation_service.add_participant(
        session, actor.workspace_id, conversation_id, contact_id=data.contact_id, role=data.role
    )


@router.delete("/conversations/{conversation_id}/participants/{contact_id}", status_code=204)
async def remove_participant(
    conversation_id: str, contact_id: str, actor: Writer, session: WriteSession
) -> Response:
    await conversation_service.remove_participant(
        session, actor.workspace_id, conversation_id, contact_id=contact_id
    )
    return Response(status_code=204)
