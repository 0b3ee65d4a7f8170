"""The conversation commands: one event each, none when nothing changes; a snooze ends by its
job (run by the delivery runner, the clock set rather than waited for); assignment only to an
active agent of the workspace."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hubbub.agents.schemas import AgentCreate, AgentUpdate
from hubbub.agents.service import agent as agent_service
from hubbub.config import Settings
from hubbub.conversations.commands import SNOOZE_EXPIRY_JOB
from hubbub.conversations.schemas import Conversation, ConversationCreate, ConversationUpdate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.models import event, job
from hubbub.db.uow import Database, Session
from hubbub.delivery.runner import run_due
from hubbub.errors import NotFound, UnprocessableEntity
from hubbub.kit.clock import ManualClock, utcnow
from tests.conftest import WorkspaceFixture


async def new_conversation(session: Session, workspace_id: str) -> Conversation:
    return await conversation_service.create(session, workspace_id, ConversationCreate())


async def events_of(session: Session, conversation_id: str) -> list[tuple[str, dict[str, object]]]:
    rows = await session.conn.execute(
        select(event.c.type, event.c.data)
        .where(event.c.conversation_id == conversation_id)
        .order_by(event.c.seq)
    )
    return [(row.type, row.data) for row in rows][1:]  # after conversation.created


async def expiry_jobs(session: Session, conversation_id: str) -> list[datetime]:
    rows = await session.conn.execute(
        select(job.c.run_at).where(
            job.c.kind == SNOOZE_EXPIRY_JOB, job.c.target_id == conversation_id
        )
    )
    return list(rows.scalars())


async def test_close_and_reopen_record_one_event_each_and_repeat_as_no_ops(
    session: Session, workspace: WorkspaceFixture
) -> None:
    made = await new_conversation(session, workspace.id)
    closed = await conversation_service.close(session, workspace.id, made.id)
    assert closed.status == "closed"
    assert closed.status_changed_at is not None
    assert closed.status_changed_at >= made.created_at
    assert await conversation_service.close(session, workspace.id, made.id) == closed
    reopened = await conversation_service.reopen(session, workspace.id, made.id)
    assert reopened.status == "open"
    assert await conversation_service.reopen(session, workspace.id, made.id) == reopened
    assert await conversation_service.get(session, workspace.id, made.id) == reopened
    assert await events_of(session, made.id) == [
        ("conversation.closed", {"status": "closed", "previous_status": "open"}),
        ("conversation.reopened", {"status": "open", "previous_status": "closed"}),
    ]


async def test_snooze_schedules_its_end_and_a_resnooze_moves_it(
    session: Session, workspace: WorkspaceFixture
) -> None:
    made = await new_conversation(session, workspace.id)
    until = utcnow() + timedelta(hours=2)
    snoozed = await conversation_service.snooze(session, workspace.id, made.id, until=until)
    assert (snoozed.status, snoozed.snoozed_until) == ("snoozed", until)
    assert await conversation_service.snooze(session, workspace.id, made.id, until=until) == snoozed
    assert await expiry_jobs(session, made.id) == [until]
    later = until + timedelta(hours=1)
    await conversation_service.snooze(session, workspace.id, made.id, until=later)
    assert await expiry_jobs(session, made.id) == [later]
    closed = await conversation_service.close(session, workspace.id, made.id)
    assert closed.snoozed_until is None
    assert await expiry_jobs(session, made.id) == []
    [first, second, _] = await events_of(session, made.id)
    assert first == (
        "conversation.snoozed",
        {"status": "snoozed", "previous_status": "open", "until": until.isoformat()[:-6] + "Z"},
    )
    assert second[1]["until"] == later.isoformat()[:-6] + "Z"


@pytest.mark.parametrize(
    "until",
    [
        utcnow() - timedelta(minutes=1),
        utcnow() + timedelta(days=400),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=utcnow().tzinfo),
        datetime(2030, 1, 1),  # noqa: DTZ001 (no time zone: refused)
    ],
)
async def test_a_snooze_end_must_be_ahead_within_range(
    session: Session, workspace: WorkspaceFixture, until: datetime
) -> None:
    made = await new_conversation(session, workspace.id)
    with pytest.raises(UnprocessableEntity) as caught:
        await conversation_service.snooze(session, workspace.id, made.id, until=until)
    assert caught.value.details["field"] == "until"
    assert await events_of(session, made.id) == []


async def test_the_expiry_job_reopens_a_snooze_that_has_ended(
    database: Database, workspace: WorkspaceFixture, settings: Settings, clock: ManualClock
) -> None:
    until = clock.now() + timedelta(minutes=30)
    async with database.transaction() as session:
        made = await new_conversation(session, workspace.id)
        await conversation_service.snooze(session, workspace.id, made.id, until=until)
    assert await run_due(database, settings, workspace_id=workspace.id) == 0  # not yet due
    clock.advance(timedelta(minutes=30))
    assert await run_due(database, settings, workspace_id=workspace.id) == 1
    async with database.read() as session:
        found = await conversation_service.get_or_raise(session, workspace.id, made.id)
        assert (found.status, found.snoozed_until) == ("open", None)
        assert [kind for kind, _ in await events_of(session, made.id)] == [
            "conversation.snoozed",
            "conversation.reopened",
        ]
        assert await expiry_jobs(session, made.id) == []


async def test_an_old_expiry_job_is_a_no_op(
    database: Database, workspace: WorkspaceFixture, settings: Settings
) -> None:
    async with database.transaction() as session:
        made = await new_conversation(session, workspace.id)
        until = utcnow() + timedelta(hours=1)
        await conversation_service.snooze(session, workspace.id, made.id, until=until)
        # Its job comes due early (as a job that outlived a re-snooze would): nothing happens.
        await session.conn.execute(
            job.update().where(job.c.target_id == made.id).values(run_at=utcnow())
        )
    assert await run_due(database, settings, workspace_id=workspace.id) == 1
    async with database.transaction() as session:
        found = await conversation_service.get_or_raise(session, workspace.id, made.id)
        assert (found.status, found.snoozed_until) == ("snoozed", until)
        # A reopened conversation is left alone too, even past its old end.
        await conversation_service.reopen(session, workspace.id, made.id)
        assert (
            await conversation_service.end_snooze(
                session, workspace.id, made.id, now=until + timedelta(seconds=1)
            )
            is None
        )


async def test_assign_takes_an_active_agent_of_the_workspace(
    session: Session, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    made = await new_conversation(session, workspace.id)
    mia = await agent_service.create(session, workspace.id, AgentCreate(name="Mia", email="m@x.io"))
    ben = await agent_service.create(session, workspace.id, AgentCreate(name="Ben", email="b@x.io"))
    theirs = await agent_service.create(
        session, other_workspace.id, AgentCreate(name="T", email="t@x.io")
    )
    assigned = await conversation_service.assign(session, workspace.id, made.id, agent_id=mia.id)
    assert assigned.assignee_id == mia.id
    assert (
        await conversation_service.assign(session, workspace.id, made.id, agent_id=mia.id)
        == assigned
    )
    with pytest.raises(NotFound):
        await conversation_service.assign(session, workspace.id, made.id, agent_id=theirs.id)
    await agent_service.update(session, workspace.id, ben.id, AgentUpdate(status="disabled"))
    with pytest.raises(UnprocessableEntity):
        await conversation_service.assign(session, workspace.id, made.id, agent_id=ben.id)
    unassigned = await conversation_service.assign(session, workspace.id, made.id, agent_id=None)
    assert unassigned.assignee_id is None
    assert await events_of(session, made.id) == [
        ("conversation.assigned", {"assignee_id": mia.id, "previous_assignee_id": None}),
        ("conversation.assigned", {"assignee_id": None, "previous_assignee_id": mia.id}),
    ]


async def test_list_by_assignee_and_unassigned(
    session: Session, workspace: WorkspaceFixture
) -> None:
    mia = await agent_service.create(session, workspace.id, AgentCreate(name="Mia", email="m@x.io"))
    mine = await new_conversation(session, workspace.id)
    nobodys = await new_conversation(session, workspace.id)
    await conversation_service.assign(session, workspace.id, mine.id, agent_id=mia.id)
    listed, _ = await conversation_service.list(session, workspace.id, assignee_id=mia.id)
    assert [c.id for c in listed] == [mine.id]
    listed, _ = await conversation_service.list(session, workspace.id, assignee_id="none")
    assert [c.id for c in listed] == [nobodys.id]


async def test_update_goes_through_the_commands(
    session: Session, workspace: WorkspaceFixture
) -> None:
    made = await new_conversation(session, workspace.id)
    mia = await agent_service.create(session, workspace.id, AgentCreate(name="Mia", email="m@x.io"))
    until = utcnow() + timedelta(hours=1)
    changed = await conversation_service.update(
        session,
        workspace.id,
        made.id,
        ConversationUpdate(snoozed_until=until, assignee_id=mia.id, subject="Later"),
    )
    assert (changed.status, changed.snoozed_until, changed.assignee_id, changed.subject) == (
        "snoozed",
        until,
        mia.id,
        "Later",
    )
    assert await expiry_jobs(session, made.id) == [until]
    assert [kind for kind, _ in await events_of(session, made.id)] == [
        "conversation.snoozed",
        "conversation.assigned",
        "conversation.updated",
    ]
    with pytest.raises(UnprocessableEntity):
        await conversation_service.update(
            session, workspace.id, made.id, ConversationUpdate(status="closed", snoozed_until=until)
        )
    with pytest.raises(UnprocessableEntity):
        await conversation_service.update(
            session,
            workspace.id,
            (await new_conversation(session, workspace.id)).id,
            ConversationUpdate(status="snoozed"),
        )


async def test_concurrent_commands_take_turns(
    database: Database, workspace: WorkspaceFixture
) -> None:
    """Two closes at once: the second finds it closed (the row is read locked), so one event."""
    async with database.transaction() as session:
        made = await new_conversation(session, workspace.id)

    async def close() -> None:
        async with database.transaction() as session:
            await conversation_service.close(session, workspace.id, made.id)

    await asyncio.gather(close(), close(), close())
    async with database.read() as session:
        assert [kind for kind, _ in await events_of(session, made.id)] == ["conversation.closed"]
