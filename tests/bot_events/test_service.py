"""Bot events on both engines: create, schedule, fire (the job handler), cancel, list."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from hubbub.bot_events.schemas import BotEventCreate, BotEventFilter
from hubbub.bot_events.service import FIRE_JOB
from hubbub.bot_events.service import bot_event as bot_event_service
from hubbub.bot_events.tasks import fire_bot_event
from hubbub.config import Settings
from hubbub.connectors.base import ConnectorContext
from hubbub.db.models import job
from hubbub.db.uow import Database, Session
from hubbub.delivery import handlers
from hubbub.delivery.handlers import ClaimedJob, JobContext, PermanentJobError
from hubbub.errors import NotFound
from hubbub.kit.clock import utcnow
from tests.conftest import WorkspaceFixture, make_workspace


def later(hours: int = 1) -> BotEventCreate:
    return BotEventCreate(type="later", scheduled_for=utcnow() + timedelta(hours=hours))


async def test_an_unscheduled_event_is_pending(
    session: Session, workspace: WorkspaceFixture
) -> None:
    event = await bot_event_service.create(
        session, workspace.id, BotEventCreate(type="ping", payload={"a": 1})
    )
    assert (event.status, event.failure_reason, event.payload) == ("pending", None, {"a": 1})
    assert await bot_event_service.get_or_raise(session, workspace.id, event.id) == event


async def test_a_scheduled_event_waits_for_its_job(
    session: Session, workspace: WorkspaceFixture
) -> None:
    data = later()
    event = await bot_event_service.create(session, workspace.id, data)
    assert event.status == "scheduled"
    rows = await session.conn.execute(
        select(job.c.run_at, job.c.workspace_id).where(
            job.c.kind == FIRE_JOB, job.c.target_id == event.id
        )
    )
    assert rows.all() == [(data.scheduled_for, workspace.id)]
    assert await bot_event_service.fire(session, workspace.id, event.id) is True
    fired = await bot_event_service.get_or_raise(session, workspace.id, event.id)
    assert fired.status == "pending"
    assert await bot_event_service.fire(session, workspace.id, event.id) is False


async def test_cancel(session: Session, workspace: WorkspaceFixture) -> None:
    event = await bot_event_service.create(session, workspace.id, later())
    canceled = await bot_event_service.cancel_scheduled(session, workspace.id, event.id)
    assert canceled.status == "canceled"
    assert (await bot_event_service.get_or_raise(session, workspace.id, event.id)).status == (
        "canceled"
    )
    assert await bot_event_service.fire(session, workspace.id, event.id) is False
    with pytest.raises(NotFound):
        await bot_event_service.cancel_scheduled(session, workspace.id, event.id)


async def test_references_must_exist_in_the_workspace(
    session: Session, workspace: WorkspaceFixture
) -> None:
    missing = "00000000-0000-7000-8000-000000000000"
    for field in ("conversation_id", "user_id", "message_id"):
        with pytest.raises(NotFound):
            await bot_event_service.create(
                session, workspace.id, BotEventCreate.model_validate({"type": "t", field: missing})
            )


async def test_other_workspaces_see_nothing(
    session: Session, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    event = await bot_event_service.create(session, workspace.id, later())
    with pytest.raises(NotFound):
        await bot_event_service.get_or_raise(session, other_workspace.id, event.id)
    with pytest.raises(NotFound):
        await bot_event_service.cancel_scheduled(session, other_workspace.id, event.id)
    assert await bot_event_service.fire(session, other_workspace.id, event.id) is False
    page, _ = await bot_event_service.list(session, other_workspace.id, BotEventFilter())
    assert event.id not in [item.id for item in page]


async def test_list_filters_and_pages_to_the_end(
    session: Session, workspace: WorkspaceFixture
) -> None:
    made = [
        await bot_event_service.create(
            session, workspace.id, BotEventCreate(type="listed", payload={"i": index})
        )
        for index in range(5)
    ]
    scheduled = await bot_event_service.create(session, workspace.id, later())
    seen = []
    cursor = None
    while True:
        page, cursor = await bot_event_service.list(
            session, workspace.id, BotEventFilter(type="listed"), limit=2, cursor=cursor
        )
        seen.extend(event.id for event in page)
        if cursor is None:
            break
    assert seen == [event.id for event in reversed(made)]
    only, _ = await bot_event_service.list(
        session, workspace.id, BotEventFilter(status="scheduled")
    )
    assert [event.id for event in only] == [scheduled.id]


async def test_the_fire_job_handler_is_registered_and_idempotent(
    database: Database, settings: Settings
) -> None:
    assert handlers.handler_for(FIRE_JOB) is fire_bot_event
    workspace = await make_workspace(database, "fire")
    async with database.transaction() as session:
        event = await bot_event_service.create(session, workspace.id, later())
    claimed = ClaimedJob(
        id="job", kind=FIRE_JOB, target_id=event.id, workspace_id=workspace.id, attempts=1
    )
    async with httpx.AsyncClient() as http:
        connectors = ConnectorContext(
            http=http, settings=settings, public_base_url="http://hubbub.test"
        )
        context = JobContext(database=database, settings=settings, connectors=connectors)
        await fire_bot_event(context, claimed)
        await fire_bot_event(context, claimed)
        with pytest.raises(PermanentJobError):
            await fire_bot_event(context, ClaimedJob("j", FIRE_JOB, event.id, None, 1))
    async with database.read() as session:
        fired = await bot_event_service.get_or_raise(session, workspace.id, event.id)
    assert fired.status == "pending"
