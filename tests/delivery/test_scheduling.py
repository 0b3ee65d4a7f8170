"""Scheduled messages: they wait for their time, can be moved or canceled until they go."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.delivery.runner import run_due
from hubbub.errors import Conflict
from hubbub.kit.clock import ManualClock, utcnow
from hubbub.messages.schemas import MessageFilter
from hubbub.messages.service import message as message_service
from tests.conftest import WorkspaceFixture
from tests.delivery.conftest import get_message, jobs_of, make_channel, send


async def test_a_scheduled_message_waits_for_its_time(
    database: Database, workspace: WorkspaceFixture, fast: Settings, clock: ManualClock
) -> None:
    channel = await make_channel(database, workspace.id)
    at = clock.now() + timedelta(hours=2)
    message = await send(database, workspace.id, channel, scheduled_for=at)
    assert await run_due(database, fast, workspace_id=workspace.id) == 0
    [job] = await jobs_of(database, message.id)
    assert (job.kind, job.run_at, job.status) == ("message.deliver", at, "pending")
    async with database.read() as session:
        listed, _ = await message_service.list(
            session, workspace.id, MessageFilter(status=["scheduled"])
        )
    assert [m.id for m in listed] == [message.id]
    clock.advance(timedelta(hours=2) - timedelta(microseconds=1))
    assert await run_due(database, fast, workspace_id=workspace.id) == 0
    clock.advance(timedelta(microseconds=1))  # its time has come
    assert await run_due(database, fast, workspace_id=workspace.id) >= 1
    sent = await get_message(database, workspace.id, message.id)
    assert (sent.status, sent.updated_at) == ("read", at)


async def test_rescheduling_moves_the_message_and_its_job(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id)
    message = await send(
        database, workspace.id, channel, scheduled_for=utcnow() + timedelta(hours=2)
    )
    later = utcnow() + timedelta(days=1)
    async with database.transaction() as session:
        moved = await message_service.reschedule(
            session, workspace.id, message.id, scheduled_for=later
        )
    assert (moved.status, moved.scheduled_for) == ("scheduled", later)
    [job] = await jobs_of(database, message.id)
    assert job.run_at == later
    async with database.transaction() as session:
        await message_service.reschedule(session, workspace.id, message.id, scheduled_for=utcnow())
    await run_due(database, fast, workspace_id=workspace.id)
    sent = await get_message(database, workspace.id, message.id)
    assert sent.status == "read"
    with pytest.raises(Conflict):
        async with database.transaction() as session:
            await message_service.reschedule(session, workspace.id, message.id, scheduled_for=later)


async def test_canceling_a_scheduled_message_drops_its_job(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id)
    message = await send(
        database, workspace.id, channel, scheduled_for=utcnow() + timedelta(hours=1)
    )
    async with database.transaction() as session:
        canceled = await message_service.cancel(session, workspace.id, message.id)
    assert canceled.status == "canceled"
    assert await jobs_of(database, message.id) == []
    await run_due(database, fast, workspace_id=workspace.id)
    assert (await get_message(database, workspace.id, message.id)).status == "canceled"


async def test_an_accepted_message_can_be_canceled_before_it_goes_but_not_after(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id)
    waiting = await send(database, workspace.id, channel)
    async with database.transaction() as session:
        assert (
            await message_service.cancel(session, workspace.id, waiting.id)
        ).status == "canceled"
    gone = await send(database, workspace.id, channel)
    await run_due(database, fast, workspace_id=workspace.id)
    with pytest.raises(Conflict, match="read message can no longer be canceled"):
        async with database.transaction() as session:
            await message_service.cancel(session, workspace.id, gone.id)
