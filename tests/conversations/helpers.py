"""Rows the conversation tests need from other resources, inserted directly so these tests do
not depend on the contacts, channels and messages services."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from hubbub.db.models import channel, contact, conversation, message
from hubbub.db.uow import Session
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id


async def insert_contact(session: Session, workspace_id: str, name: str = "Ada") -> str:
    now = utcnow()
    contact_id = new_id()
    await session.conn.execute(
        insert(contact).values(
            id=contact_id,
            workspace_id=workspace_id,
            name=name,
            attributes={},
            tags={},
            created_at=now,
            updated_at=now,
        )
    )
    return contact_id


async def insert_channel(session: Session, workspace_id: str, name: str = "sandbox") -> str:
    now = utcnow()
    channel_id = new_id()
    await session.conn.execute(
        insert(channel).values(
            id=channel_id,
            workspace_id=workspace_id,
            platform="sandbox",
            name=name,
            config={},
            created_at=now,
            updated_at=now,
        )
    )
    return channel_id


async def insert_message(session: Session, workspace_id: str, conversation_id: str) -> str:
    now = utcnow()
    message_id = new_id()
    await session.conn.execute(
        insert(message).values(
            id=message_id,
            workspace_id=workspace_id,
            conversation_id=conversation_id,
            direction="outgoing",
            author_type="bot",
            recipients=[],
            type="text",
            payload={"type": "text", "text": "hello"},
            tags={},
            status="accepted",
            status_at=now,
            text="hello",
            created_at=now,
            updated_at=now,
        )
    )
    return message_id


async def count_messages(session: Session, conversation_id: str) -> int:
    query = select(func.count()).where(message.c.conversation_id == conversation_id)
    return int((await session.conn.execute(query)).scalar_one())


async def count_conversations(session: Session, workspace_id: str) -> int:
    query = select(func.count()).where(conversation.c.workspace_id == workspace_id)
    return int((await session.conn.execute(query)).scalar_one())
