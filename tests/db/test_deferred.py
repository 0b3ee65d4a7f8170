"""Deferred INSERTs (PostgreSQL's write-behind, ``hubbub.db.deferred``) change nothing a
transaction or its readers see: later statements read them, savepoints keep or undo them,
rows of one table keep their order, and a refused row fails the transaction with SQLAlchemy's
own error and stores nothing. The same tests run on SQLite, where nothing is deferred."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hubbub.conversations.schemas import ConversationCreate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.errors import is_vanished_reference
from hubbub.db.models import event, job
from hubbub.db.uow import AsyncConn, Database, Session
from hubbub.events.repository import EventRepository
from hubbub.events.service import event as event_service
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from hubbub.messages.schemas import MessageCreate
from hubbub.messages.service import message as message_service
from tests.conftest import WorkspaceFixture


async def events_of(session: Session, workspace_id: str) -> list[str]:
    rows = await session.conn.execute(
        select(event.c.type).where(event.c.workspace_id == workspace_id).order_by(event.c.seq)
    )
    return list(rows.scalars())


async def test_later_statements_read_deferred_rows_in_order(
    database: Database, workspace: WorkspaceFixture
) -> None:
    async with database.transaction() as session:
        for name in ("first", "second", "third"):
            await event_service.record(session, workspace.id, type=f"test.{name}")
        assert await events_of(session, workspace.id) == ["test.first", "test.second", "test.third"]


async def test_writes_of_several_tables_wait_and_commit_together(
    database: Database, workspace: WorkspaceFixture
) -> None:
    target = new_id()
    async with database.transaction() as session:
        await event_service.record(session, workspace.id, type="test.together")
        await job_service.enqueue(
            session, kind="test.together", target_id=target, workspace_id=workspace.id
        )
        if isinstance(session.conn, AsyncConn):
            assert session.conn.deferred  # both still waiting: one statement at commit
    async with database.read() as session:
        assert await events_of(session, workspace.id) == ["test.together"]
        jobs = await session.conn.execute(
            select(func.count()).select_from(job).where(job.c.target_id == target)
        )
        assert jobs.scalar_one() == 1
    async with database.transaction() as session:  # leave no job for the runner tests
        await session.conn.execute(job.delete().where(job.c.target_id == target))


async def test_a_savepoint_keeps_or_undoes_what_was_written_in_it(
    database: Database, workspace: WorkspaceFixture
) -> None:
    async with database.transaction() as session:
        await event_service.record(session, workspace.id, type="test.before")
        async with session.conn.begin_nested():
            await event_service.record(session, workspace.id, type="test.kept")
        savepoint = await session.conn.begin_nested()
        await event_service.record(session, workspace.id, type="test.undone")
        await savepoint.rollback()
        await event_service.record(session, workspace.id, type="test.after")
    async with database.read() as session:
        assert await events_of(session, workspace.id) == [
            "test.before",
            "test.kept",
            "test.after",
        ]


async def test_a_refused_deferred_row_fails_the_transaction_and_stores_nothing(
    database: Database, workspace: WorkspaceFixture
) -> None:
    duplicate = new_id()
    row = {
        "id": duplicate,
        "workspace_id": workspace.id,
        "type": "test.duplicate",
        "conversation_id": None,
        "message_id": None,
        "data": {},
    }

    async def write_twice() -> None:
        async with database.transaction() as session:
            await event_service.record(session, workspace.id, type="test.lost")
            repository = EventRepository(session)
            await repository.insert({**row, "created_at": utcnow()})
            await repository.insert({**row, "created_at": utcnow()})

    with pytest.raises(IntegrityError):
        await write_twice()
    async with database.read() as session:
        assert await events_of(session, workspace.id) == []


async def test_a_conversation_deleted_before_the_commit_fails_the_message_as_a_conflict(
    database: Database, workspace: WorkspaceFixture
) -> None:
    """PostgreSQL only (SQLite has one writer, so nothing deletes in between): the message's
    writes go out at commit, and its foreign key reports the conversation that vanished."""
    if not database.caps.supports_skip_locked:
        pytest.skip("concurrent writers are PostgreSQL's")
    async with database.transaction() as session:
        conversation = await conversation_service.create(
            session, workspace.id, ConversationCreate()
        )
    data = MessageCreate.model_validate(
        {"conversation_id": conversation.id, "payload": {"type": "text", "text": "late"}}
    )

    async def create_while_deleted() -> None:
        async with database.transaction() as session:
            await message_service.create(session, workspace.id, data)
            async with database.transaction() as other:
                await conversation_service.delete(other, workspace.id, conversation.id)

    with pytest.raises(IntegrityError) as refused:
        await create_while_deleted()
    assert is_vanished_reference(refused.value)
