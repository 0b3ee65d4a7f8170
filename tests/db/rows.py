"""Rows written straight through the tables, for tests of the storage layer itself (the
services have their own tests): a workspace, a conversation and messages in it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert

from hubbub.db.models import contact, conversation, message, workspace
from hubbub.db.uow import Session
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id


@dataclass(frozen=True)
class Thread:
    workspace_id: str
    conversation_id: str


async def insert_workspace(session: Session, name: str = "storage") -> str:
    now = utcnow()
    workspace_id = new_id()
    await session.conn.execute(
        insert(workspace).values(id=workspace_id, name=name, created_at=now, updated_at=now)
    )
    return workspace_id


async def insert_thread(session: Session) -> Thread:
    workspace_id = await insert_workspace(session)
    now = utcnow()
    conversation_id = new_id()
    await session.conn.execute(
        insert(conversation).values(
            id=conversation_id,
            workspace_id=workspace_id,
            status="open",
            tags={},
            attributes={},
            message_count=0,
            created_at=now,
            updated_at=now,
        )
    )
    return Thread(workspace_id, conversation_id)


async def insert_message(
    session: Session,
    thread: Thread,
    text: str,
    *,
    subject: str | None = None,
    recipients: list[dict[str, Any]] | None = None,
) -> str:
    now = utcnow()
    message_id = new_id()
    await session.conn.execute(
        insert(message).values(
            id=message_id,
            workspace_id=thread.workspace_id,
            conversation_id=thread.conversation_id,
            direction="outgoing",
            author_type="system",
            recipients=recipients or [],
            type="text",
            payload={"type": "text", "text": text},
            tags={},
            status="accepted",
            status_at=now,
            subject=subject,
            text=text,
            created_at=now,
            updated_at=now,
        )
    )
    return message_id


async def insert_contact(session: Session, workspace_id: str, tags: dict[str, str]) -> str:
    now = utcnow()
    contact_id = new_id()
    await session.conn.execute(
        insert(contact).values(
            id=contact_id,
            workspace_id=workspace_id,
            attributes={},
            tags=tags,
            created_at=now,
            updated_at=now,
        )
    )
    return contact_id
