"""Agents: e-mails unique per workspace whatever their case, changes recorded as events, a
deleted agent's conversations unassigned, nothing seen across workspaces."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hubbub.agents.schemas import AgentCreate, AgentFilter, AgentUpdate
from hubbub.agents.service import agent as agent_service
from hubbub.conversations.schemas import ConversationCreate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.models import event
from hubbub.db.uow import Session
from hubbub.errors import Conflict, NotFound
from tests.conftest import WorkspaceFixture


async def agent_events(session: Session, workspace_id: str) -> list[tuple[str, dict[str, object]]]:
    rows = await session.conn.execute(
        select(event.c.type, event.c.data)
        .where(event.c.workspace_id == workspace_id, event.c.type.like("agent.%"))
        .order_by(event.c.seq)
    )
    return [(row.type, row.data) for row in rows]


async def test_create_normalizes_the_email_and_refuses_a_taken_one(
    session: Session, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    created = await agent_service.create(
        session, workspace.id, AgentCreate(name=" Mia ", email="Mia@Example.COM ")
    )
    assert (created.name, created.email, created.role, created.status) == (
        "Mia",
        "mia@example.com",
        "agent",
        "active",
    )
    with pytest.raises(Conflict):
        await agent_service.create(
            session, workspace.id, AgentCreate(name="Other", email="MIA@example.com")
        )
    # Another workspace has its own agents.
    await agent_service.create(
        session, other_workspace.id, AgentCreate(name="Mia", email="mia@example.com")
    )
    assert await agent_service.get(session, other_workspace.id, created.id) is None
    assert await agent_events(session, workspace.id) == [
        ("agent.created", {"agent_id": created.id})
    ]


async def test_update_records_the_changed_fields_and_checks_the_email(
    session: Session, workspace: WorkspaceFixture
) -> None:
    mia = await agent_service.create(session, workspace.id, AgentCreate(name="Mia", email="m@x.io"))
    await agent_service.create(session, workspace.id, AgentCreate(name="Ben", email="b@x.io"))
    same = await agent_service.update(
        session, workspace.id, mia.id, AgentUpdate(name="Mia", email="M@X.IO")
    )
    assert same == mia
    updated = await agent_service.update(
        session, workspace.id, mia.id, AgentUpdate(role="admin", status="disabled")
    )
    assert (updated.role, updated.status) == ("admin", "disabled")
    assert await agent_service.get(session, workspace.id, mia.id) == updated
    with pytest.raises(Conflict):
        await agent_service.update(session, workspace.id, mia.id, AgentUpdate(email="B@x.io"))
    assert (await agent_events(session, workspace.id))[-1] == (
        "agent.updated",
        {"agent_id": mia.id, "fields": ["role", "status"]},
    )


async def test_deleting_an_agent_unassigns_their_conversations(
    session: Session, workspace: WorkspaceFixture
) -> None:
    mia = await agent_service.create(session, workspace.id, AgentCreate(name="Mia", email="m@x.io"))
    conversation = await conversation_service.create(session, workspace.id, ConversationCreate())
    await conversation_service.assign(session, workspace.id, conversation.id, agent_id=mia.id)
    await conversation_service.delete_agent(session, workspace.id, mia.id)
    found = await conversation_service.get_or_raise(session, workspace.id, conversation.id)
    assert found.assignee_id is None
    unassigned = await session.conn.execute(
        select(event.c.data).where(
            event.c.conversation_id == conversation.id, event.c.type == "conversation.assigned"
        )
    )
    assert list(unassigned.scalars())[-1] == {"assignee_id": None, "previous_assignee_id": mia.id}
    assert (await agent_events(session, workspace.id))[-1] == (
        "agent.deleted",
        {"agent_id": mia.id},
    )
    with pytest.raises(NotFound):
        await conversation_service.delete_agent(session, workspace.id, mia.id)


async def test_list_pages_and_filters(session: Session, workspace: WorkspaceFixture) -> None:
    made = [
        await agent_service.create(
            session, workspace.id, AgentCreate(name=f"A{n}", email=f"a{n}@x.io")
        )
        for n in range(3)
    ]
    await agent_service.update(session, workspace.id, made[1].id, AgentUpdate(status="disabled"))
    first, cursor = await agent_service.list(session, workspace.id, limit=2, order="asc")
    assert [a.id for a in first] == [made[0].id, made[1].id]
    rest, end = await agent_service.list(session, workspace.id, limit=2, order="asc", cursor=cursor)
    assert ([a.id for a in rest], end) == ([made[2].id], None)
    active, _ = await agent_service.list(session, workspace.id, AgentFilter(status="active"))
    assert {a.id for a in active} == {made[0].id, made[2].id}
    by_email, _ = await agent_service.list(session, workspace.id, AgentFilter(email="A2@X.io"))
    assert [a.id for a in by_email] == [made[2].id]
