"""Claiming: a lease per job, an expired lease is claimable again, and a job abandoned on its
last attempt is buried instead of run once too often."""

from __future__ import annotations

from hubbub.db.uow import Database
from hubbub.delivery import queue
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture
from tests.delivery.conftest import jobs_of


async def enqueue(database: Database, workspace_id: str, *, max_attempts: int = 3) -> str:
    async with database.transaction() as session:
        return await job_service.enqueue(
            session,
            kind="test.queue",
            target_id=new_id(),
            workspace_id=workspace_id,
            max_attempts=max_attempts,
        )


async def test_a_claim_leases_the_job_to_one_worker(
    database: Database, workspace: WorkspaceFixture
) -> None:
    job_id = await enqueue(database, workspace.id)
    claimed = await queue.claim(
        database, worker="w1", limit=10, lease_seconds=60, workspace_id=workspace.id
    )
    assert [job.id for job, _ in claimed] == [job_id]
    job, row = claimed[0]
    assert (job.attempts, row.status, row.locked_by) == (1, "running", "w1")
    assert row.lease_until is not None
    assert 59 < (row.lease_until - utcnow()).total_seconds() <= 60
    again = await queue.claim(
        database, worker="w2", limit=10, lease_seconds=60, workspace_id=workspace.id
    )
    assert again == []


async def test_an_expired_lease_is_claimed_again(
    database: Database, workspace: WorkspaceFixture
) -> None:
    job_id = await enqueue(database, workspace.id)
    # A negative lease has run out already: the worker holding it "died".
    await queue.claim(database, worker="dead", limit=1, lease_seconds=-1, workspace_id=workspace.id)
    [(job, row)] = await queue.claim(
        database, worker="alive", limit=1, lease_seconds=60, workspace_id=workspace.id
    )
    assert (job.id, job.attempts, row.locked_by) == (job_id, 2, "alive")
    # The dead worker can no longer settle the job it lost.
    stale = job.__class__(**{**job.__dict__, "attempts": 1})
    assert not await queue.complete(database, stale, worker="dead")
    assert await queue.complete(database, job, worker="alive")
    assert await jobs_of(database, row.target_id) == []


async def test_a_job_abandoned_on_its_last_attempt_is_dead_not_run_again(
    database: Database, workspace: WorkspaceFixture
) -> None:
    await enqueue(database, workspace.id, max_attempts=1)
    [(_, row)] = await queue.claim(
        database, worker="dead", limit=1, lease_seconds=-1, workspace_id=workspace.id
    )
    assert (
        await queue.claim(
            database, worker="w", limit=5, workspace_id=workspace.id, lease_seconds=60
        )
        == []
    )
    [buried] = await jobs_of(database, row.target_id)
    assert buried.status == "dead"
    assert buried.last_error is not None
    assert "stopped" in buried.last_error


async def test_claims_take_due_jobs_only_oldest_first(
    database: Database, workspace: WorkspaceFixture
) -> None:
    first = await enqueue(database, workspace.id)
    second = await enqueue(database, workspace.id)
    async with database.transaction() as session:
        await job_service.enqueue(
            session,
            kind="test.queue",
            target_id=new_id(),
            workspace_id=workspace.id,
            run_at=utcnow().replace(year=utcnow().year + 1),
        )
    claimed = await queue.claim(
        database, worker="w", limit=10, lease_seconds=60, workspace_id=workspace.id
    )
    assert [job.id for job, _ in claimed] == [first, second]
