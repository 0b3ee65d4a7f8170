"""Claim order: a due send goes before any backlog of due housekeeping jobs, however much
older those are (the bench's scheduled-message lateness came from ordering by ``run_at``)."""

from __future__ import annotations

from datetime import timedelta

from hubbub.db.uow import Database
from hubbub.delivery import queue
from hubbub.jobs import priorities
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture
from tests.delivery.conftest import jobs_of

BACKLOG = 500


async def enqueue(
    database: Database, workspace_id: str, kind: str, *, count: int = 1, age_seconds: float = 0
) -> list[str]:
    run_at = utcnow() - timedelta(seconds=age_seconds)
    async with database.transaction() as session:
        return [
            await job_service.enqueue(
                session, kind=kind, target_id=new_id(), workspace_id=workspace_id, run_at=run_at
            )
            for _ in range(count)
        ]


async def test_a_due_send_is_claimed_before_an_older_backlog_of_housekeeping(
    database: Database, workspace: WorkspaceFixture
) -> None:
    await enqueue(database, workspace.id, "sandbox.advance", count=BACKLOG, age_seconds=60)
    [send_id] = await enqueue(database, workspace.id, "message.deliver")
    claimed = await queue.claim(
        database, worker="w", limit=10, lease_seconds=60, workspace_id=workspace.id
    )
    assert len(claimed) == 10
    assert claimed[0][0].id == send_id
    assert [row.kind for _, row in claimed[1:]] == ["sandbox.advance"] * 9


async def test_within_a_priority_the_oldest_due_job_goes_first(
    database: Database, workspace: WorkspaceFixture
) -> None:
    [newer] = await enqueue(database, workspace.id, "message.deliver", age_seconds=1)
    [older] = await enqueue(database, workspace.id, "message.deliver", age_seconds=30)
    claimed = await queue.claim(
        database, worker="w", limit=10, lease_seconds=60, workspace_id=workspace.id
    )
    assert [job.id for job, _ in claimed] == [older, newer]


async def test_a_job_stores_its_kinds_priority_and_unknown_kinds_get_the_default(
    database: Database, workspace: WorkspaceFixture
) -> None:
    target = new_id()
    async with database.transaction() as session:
        for kind in ("message.deliver", "sandbox.advance", "test.unlisted"):
            await job_service.enqueue(
                session, kind=kind, target_id=target, workspace_id=workspace.id
            )
    stored = {row.kind: row.priority for row in await jobs_of(database, target)}
    assert stored == {
        "message.deliver": priorities.SEND,
        "sandbox.advance": priorities.HOUSEKEEPING,
        "test.unlisted": priorities.DEFAULT,
    }
    assert priorities.SEND < priorities.DEFAULT < priorities.HOUSEKEEPING


async def test_an_expired_lease_is_reclaimed_before_pending_work(
    database: Database, workspace: WorkspaceFixture
) -> None:
    [abandoned] = await enqueue(database, workspace.id, "sandbox.advance")
    await queue.claim(database, worker="dead", limit=1, lease_seconds=-1, workspace_id=workspace.id)
    [send_id] = await enqueue(database, workspace.id, "message.deliver")
    claimed = await queue.claim(
        database, worker="w", limit=1, lease_seconds=60, workspace_id=workspace.id
    )
    assert [job.id for job, _ in claimed] == [abandoned]
    claimed = await queue.claim(
        database, worker="w", limit=1, lease_seconds=60, workspace_id=workspace.id
    )
    assert [job.id for job, _ in claimed] == [send_id]
