"""The runner: handlers by kind, retries until dead, permanent failures, re-running a dead job,
``run_due``, wake-ups, and several runners sharing one queue."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import text

from hubbub.config import Settings
from hubbub.db.notify import JOBS_CHANNEL, asyncpg_dsn
from hubbub.db.uow import Database
from hubbub.delivery import handlers, queue
from hubbub.delivery.handlers import ClaimedJob, JobContext, PermanentJobError
from hubbub.delivery.runner import Runner, run_due, worker_loop
from hubbub.jobs.service import job as job_service
from hubbub.kit.ids import new_id
from hubbub.process.context import LoopContext
from tests.conftest import WorkspaceFixture
from tests.delivery.conftest import jobs_of

# What the test handlers saw, by target id.
ran: Counter[str] = Counter()
done: dict[str, asyncio.Event] = {}


async def count(context: JobContext, job: ClaimedJob) -> None:
    await asyncio.sleep(0)  # let concurrent runners interleave
    ran[job.target_id] += 1
    if job.target_id in done:
        done[job.target_id].set()


async def flaky(context: JobContext, job: ClaimedJob) -> None:
    ran[job.target_id] += 1
    raise ConnectionError(f"provider down (attempt {job.attempts})")


async def refused(context: JobContext, job: ClaimedJob) -> None:
    ran[job.target_id] += 1
    raise PermanentJobError("the target is gone")


async def counted_within(context: JobContext, job: ClaimedJob) -> None:
    """Ends the job in its own transaction, which also writes what the job did."""
    async with context.database.transaction() as session:
        await session.conn.execute(
            text("UPDATE job SET last_error = :note WHERE id = :id"), {"note": "ran", "id": job.id}
        )
        await context.complete_within(session, job)
    ran[job.target_id] += 1


async def completed_then_failed(context: JobContext, job: ClaimedJob) -> None:
    """Completes the job in a transaction that then fails: the job must stay."""
    ran[job.target_id] += 1
    async with context.database.transaction() as session:
        await context.complete_within(session, job)
        raise ConnectionError("lost before the commit")


handlers.register("test.count", count)
handlers.register("test.counted_within", counted_within)
handlers.register("test.completed_then_failed", completed_then_failed)
handlers.register("test.flaky", flaky)
handlers.register("test.refused", refused)


async def enqueue(
    database: Database, workspace_id: str, kind: str, *, max_attempts: int = 3
) -> tuple[str, str]:
    target = new_id()
    async with database.transaction() as session:
        job_id = await job_service.enqueue(
            session,
            kind=kind,
            target_id=target,
            workspace_id=workspace_id,
            max_attempts=max_attempts,
        )
    return job_id, target


async def test_a_successful_job_runs_once_and_is_gone(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    _, target = await enqueue(database, workspace.id, "test.count")
    assert await run_due(database, fast, workspace_id=workspace.id) == 1
    assert ran[target] == 1
    assert await jobs_of(database, target) == []
    assert await run_due(database, fast, workspace_id=workspace.id) == 0


async def test_a_job_completed_within_its_handlers_transaction_is_gone(
    database: Database, workspace: WorkspaceFixture, fast: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, target = await enqueue(database, workspace.id, "test.counted_within")
    settled_by_runner: list[str] = []
    complete = queue.complete

    async def counting_complete(database: Database, job: ClaimedJob, *, worker: str) -> bool:
        settled_by_runner.append(job.target_id)
        return await complete(database, job, worker=worker)

    monkeypatch.setattr(queue, "complete", counting_complete)
    assert await run_due(database, fast, workspace_id=workspace.id) == 1
    assert ran[target] == 1
    assert await jobs_of(database, target) == []
    assert target not in settled_by_runner  # the handler's commit ended it


async def test_a_completion_rolled_back_with_its_transaction_leaves_the_job(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    _, target = await enqueue(database, workspace.id, "test.completed_then_failed", max_attempts=2)
    assert await run_due(database, fast, workspace_id=workspace.id) == 2
    assert ran[target] == 2
    [dead] = await jobs_of(database, target)
    assert (dead.status, dead.attempts) == ("dead", 2)
    assert dead.last_error == "ConnectionError: lost before the commit"


async def test_a_failing_job_is_retried_then_dead_with_every_error(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    _, target = await enqueue(database, workspace.id, "test.flaky", max_attempts=3)
    assert await run_due(database, fast, workspace_id=workspace.id) == 3
    assert ran[target] == 3
    [dead] = await jobs_of(database, target)
    assert (dead.status, dead.attempts) == ("dead", 3)
    assert [error.attempt for error in dead.errors] == [1, 2, 3]
    assert dead.last_error == "ConnectionError: provider down (attempt 3)"
    assert dead.errors[0].error == "ConnectionError: provider down (attempt 1)"


async def test_a_retry_waits_for_its_backoff(
    database: Database, workspace: WorkspaceFixture, settings: Settings
) -> None:
    _, target = await enqueue(database, workspace.id, "test.flaky", max_attempts=3)
    slow = settings.model_copy(update={"job_retry_base_seconds": 60.0})
    assert await run_due(database, slow, workspace_id=workspace.id) == 1
    [pending] = await jobs_of(database, target)
    assert (pending.status, pending.attempts, pending.lease_until) == ("pending", 1, None)
    wait = (pending.run_at - pending.updated_at).total_seconds()
    assert 30.0 <= wait <= 60.0


async def test_a_permanent_error_kills_the_job_at_once_and_retry_revives_it(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    job_id, target = await enqueue(database, workspace.id, "test.refused", max_attempts=5)
    assert await run_due(database, fast, workspace_id=workspace.id) == 1
    [dead] = await jobs_of(database, target)
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert dead.last_error == "PermanentJobError: the target is gone"
    async with database.transaction() as session:
        revived = await job_service.retry(session, workspace.id, job_id)
    assert (revived.status, revived.attempts, len(revived.errors)) == ("pending", 0, 1)
    assert await run_due(database, fast, workspace_id=workspace.id) == 1
    assert ran[target] == 2
    [again] = await jobs_of(database, target)
    assert [error.attempt for error in again.errors] == [1, 1]


async def test_a_job_of_an_unknown_kind_is_dead(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    _, target = await enqueue(database, workspace.id, "test.nobody-handles-this")
    await run_due(database, fast, workspace_id=workspace.id)
    [dead] = await jobs_of(database, target)
    assert dead.status == "dead"
    assert "no handler" in (dead.last_error or "")


async def test_two_runners_never_run_one_job_twice(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    targets = [(await enqueue(database, workspace.id, "test.count"))[1] for _ in range(40)]
    small = fast.model_copy(update={"worker_concurrency": 3})
    counts = await asyncio.gather(
        run_due(database, small, workspace_id=workspace.id),
        run_due(database, small, workspace_id=workspace.id),
        run_due(database, small, workspace_id=workspace.id),
    )
    assert sum(counts) == 40
    assert [ran[target] for target in targets] == [1] * 40


async def test_the_worker_is_woken_by_a_commit_not_by_its_poll(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    # A poll far longer than the test may take: only the wake-up can start the job in time.
    sleepy = fast.model_copy(update={"worker_poll_seconds": 300.0})
    stop = asyncio.Event()
    worker = asyncio.create_task(worker_loop(LoopContext(database, sleepy, stop)))
    try:
        await asyncio.sleep(0.2)  # let the worker go idle first
        target = new_id()
        done[target] = asyncio.Event()
        async with database.transaction() as session:
            await job_service.enqueue(
                session, kind="test.count", target_id=target, workspace_id=workspace.id
            )
        await asyncio.wait_for(done[target].wait(), timeout=10)
        assert ran[target] == 1
    finally:
        stop.set()
        await asyncio.wait_for(worker, timeout=10)


async def test_postgres_notify_reaches_a_listener_at_commit(
    database: Database, workspace: WorkspaceFixture
) -> None:
    if not database.caps.supports_listen_notify:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    # A second ``Database`` stands in for a worker process: only the NOTIFY can wake it.
    elsewhere = Database(database.url, pool_size=2)
    woken = asyncio.Event()
    elsewhere.notifier.jobs.listen(woken.set)
    try:
        async with elsewhere.notifier.following(elsewhere.notifier.jobs):
            async with database.transaction() as session:
                await job_service.enqueue(
                    session, kind="test.count", target_id=new_id(), workspace_id=workspace.id
                )
                await asyncio.sleep(0.2)
                assert not woken.is_set()  # nothing before commit
            await asyncio.wait_for(woken.wait(), timeout=5)
    finally:
        await elsewhere.dispose()


async def test_a_relay_notifies_other_processes_after_the_commit(
    database: Database, workspace: WorkspaceFixture
) -> None:
    """An API process (no runner of its own, a relay running) wakes the workers of other
    processes with one ``NOTIFY`` from the relay's connection after the commit, not from
    inside the writing transaction (which would serialize commits cluster-wide)."""
    if not database.caps.supports_listen_notify:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    senders: asyncio.Queue[int] = asyncio.Queue()
    listener = await asyncpg.connect(asyncpg_dsn(database.url))
    await listener.add_listener(JOBS_CHANNEL, lambda _c, pid, _ch, _p: senders.put_nowait(pid))
    stop = asyncio.Event()
    relay = asyncio.create_task(database.notifier.relay(stop))
    try:
        while not database.notifier.jobs.publishers:  # noqa: ASYNC110 - the relay has no ready event
            await asyncio.sleep(0.01)
        async with database.transaction() as session:
            await job_service.enqueue(
                session, kind="test.count", target_id=new_id(), workspace_id=workspace.id
            )
            writer = (await session.conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        sender = await asyncio.wait_for(senders.get(), timeout=5)
        assert sender != writer
    finally:
        stop.set()
        await asyncio.wait_for(relay, timeout=10)
        await listener.close()


async def test_runner_identities_differ(database: Database, fast: Settings) -> None:
    async with Runner.opened(database, fast) as one, Runner.opened(database, fast) as two:
        assert one.worker != two.worker
