"""Builders for message tests: channels, contacts and conversations made through their services,
and messages from plain dicts (the shape the API receives)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from hubbub.agents.schemas import Agent, AgentCreate
from hubbub.agents.service import agent as agent_service
from hubbub.channels.schemas import Channel, ChannelCreate
from hubbub.channels.service import channel as channel_service
from hubbub.connectors import registry
from hubbub.contacts.schemas import Contact
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import Conversation, ConversationCreate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.models import job
from hubbub.db.uow import Session
from hubbub.messages.schemas import Message, MessageCreate
from hubbub.messages.service import message as message_service


@dataclass(frozen=True)
class Scene:
    """A workspace with one channel, one contact and their conversation."""

    workspace_id: str
    channel: Channel
    contact: Contact
    conversation: Conversation


def text(words: str) -> dict[str, Any]:
    return {"type": "text", "text": words}


async def make_channel(session: Session, workspace_id: str, platform: str = "sms") -> Channel:
    return await channel_service.create(
        session,
        workspace_id,
        ChannelCreate.model_validate({"platform": platform, "name": f"{platform} line"}),
    )


async def make_contact(session: Session, workspace_id: str, key: str, value: str) -> Contact:
    contact, _ = await contact_service.get_or_create_by_identifier(
        session, workspace_id, key=key, value=value
    )
    return contact


async def make_agent(session: Session, workspace_id: str, name: str = "Agent") -> Agent:
    """An agent, for messages that name one as their author."""
    data = AgentCreate(name=name, email=f"{name.lower().replace(' ', '.')}@example.com")
    return await agent_service.create(session, workspace_id, data)


async def make_conversation(
    session: Session, workspace_id: str, channel: Channel, contacts: list[Contact]
) -> Conversation:
    return await conversation_service.create(
        session,
        workspace_id,
        ConversationCreate(channel_id=channel.id, participant_ids=[c.id for c in contacts]),
    )


async def make_scene(
    session: Session, workspace_id: str, platform: str = "sms", address: str = "+15550001"
) -> Scene:
    channel = await make_channel(session, workspace_id, platform)
    contact = await make_contact(session, workspace_id, registry.identifier_key(platform), address)
    conversation = await make_conversation(session, workspace_id, channel, [contact])
    return Scene(workspace_id, channel, contact, conversation)


async def send(session: Session, workspace_id: str, **fields: Any) -> Message:
    fields.setdefault("payload", text("hello"))
    return await message_service.create(session, workspace_id, MessageCreate.model_validate(fields))


async def jobs_for(session: Session, message_id: str) -> list[dict[str, Any]]:
    rows = await session.conn.execute(select(job).where(job.c.target_id == message_id))
    return [dict(row._mapping) for row in rows]
