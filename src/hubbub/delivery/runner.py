"""The delivery runner: claims due jobs, runs their handlers, settles them.

Each job goes through three steps and never holds a transaction across the middle one: claim
(one short transaction leases a batch), run (the handler, which calls providers outside any
transaction and writes in short transactions of its own), settle (one short transaction deletes
the job, schedules its retry or marks it dead).

A worker process runs ``worker_loop``: up to ``HUBBUB_WORKER_CONCURRENCY`` jobs at once, woken
at once when a job is enqueued (in-process wakers; PostgreSQL ``LISTEN/NOTIFY`` across
processes) and otherwise at the next due ``run_at`` or poll, whichever comes first.
On PostgreSQL any number of workers share the queue (``FOR UPDATE SKIP LOCKED``); on SQLite the
one write lock makes every claim atomic as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from hubbub.config import Settings
from hubbub.connectors.base import ConnectorContext
from hubbub.conversations import tasks as conversation_tasks
from hubbub.db.uow import Database
from hubbub.delivery import deliver, parked, queue, sandbox_walk
from hubbub.delivery.handlers import ClaimedJob, JobContext, PermanentJobError, handler_for
from hubbub.jobs.schemas import Job
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from hubbub.process.context import LoopContext

log = logging.getLogger(__name__)

DEFAULT_RUN_DUE_LIMIT = 10_000
# Never spin faster than this when a due job is held by another worker.
MIN_IDLE_SECONDS = 0.05
HTTP_TIMEOUT_SECONDS = 30.0
# How often a worker purges parked statuses past their retention: one indexed DELETE.
PURGE_INTERVAL_SECONDS = 600.0
# How often a claim also takes jobs whose lease ran out (their worker died): two statements
# that every claim paid, for an event measured in lease lengths (a minute by default).
RECLAIM_INTERVAL_SECONDS = 1.0
# Registered here so every process that runs jobs knows the core's kinds.
deliver.register_handlers()
sandbox_walk.register_handlers()
conversation_tasks.register_handlers()


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{new_id()[-8:]}"


def public_base_url(settings: Settings) -> str:
    return settings.public_base_url or f"http://{settings.host}:{settings.port}"


class Runner:
    """Claims and runs jobs for one worker identity."""

    def __init__(self, database: Database, settings: Settings, http: httpx.AsyncClient) -> None:
        self.database = database
        self.settings = settings
        self.worker = worker_name()
        self.context = JobContext(
            database=database,
            settings=settings,
            connectors=ConnectorContext(
                http=http, settings=settings, public_base_url=public_base_url(settings)
            ),
        )
        self.backoff = queue.Backoff(
            settings.job_retry_base_seconds, settings.job_retry_cap_seconds
        )
        self._next_purge_at = 0.0  # time.monotonic(): the first call purges
        self._next_reclaim_at = 0.0  # time.monotonic(): the first claim reclaims
        self._reclaim_interval = min(RECLAIM_INTERVAL_SECONDS, settings.job_lease_seconds / 4)

    @classmethod
    @asynccontextmanager
    async def opened(cls, database: Database, settings: Settings) -> AsyncIterator[Runner]:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
            yield cls(database, settings, http)

    async def claim(
        self, limit: int, *, workspace_id: str | None = None
    ) -> list[tuple[ClaimedJob, Job]]:
        if limit <= 0:
            return []
        reclaim = time.monotonic() >= self._next_reclaim_at
        if reclaim:
            self._next_reclaim_at = time.monotonic() + self._reclaim_interval
        return await queue.claim(
            self.database,
            worker=self.worker,
            limit=limit,
            lease_seconds=self.settings.job_lease_seconds,
            workspace_id=workspace_id,
            reclaim=reclaim,
        )

    async def purge_if_due(self) -> None:
        """Purge expired parked statuses at most once per ``PURGE_INTERVAL_SECONDS``; never
        raises (a failed purge is tried again at the next interval)."""
        if time.monotonic() < self._next_purge_at:
            return
        self._next_purge_at = time.monotonic() + PURGE_INTERVAL_SECONDS
        try:
            retention = self.settings.parked_status_retention_seconds
            await parked.purge_expired(self.database, retention_seconds=retention)
        except Exception:
            log.exception("could not purge parked statuses")

    async def run(self, claimed: tuple[ClaimedJob, Job]) -> None:
        """Run one claimed job and settle it; never raises (but for cancellation)."""
        job, row = claimed
        try:
            await self._run_handler(job)
        except PermanentJobError as error:
            await self._fail(row, f"{type(error).__name__}: {error}", permanent=True)
        except Exception as error:
            log.warning("job %s (%s) attempt %s failed: %r", job.id, job.kind, job.attempts, error)
            await self._fail(row, f"{type(error).__name__}: {error}", permanent=False)
        else:
            if job.id not in self.context.completed:  # else its handler's last commit did
                await queue.complete(self.database, job, worker=self.worker)
        finally:
            self.context.completed.discard(job.id)

    async def _run_handler(self, job: ClaimedJob) -> None:
        handler = handler_for(job.kind)
        if handler is None:
            raise PermanentJobError(f"no handler is registered for jobs of kind {job.kind!r}")
        # Finish well within the lease, or another worker would start the job again. This bound
        # is why leases are never renewed: a handler cannot outlive 0.9 x its lease, so the job
        # is settled (or abandoned by a dead worker) before any other worker may claim it.
        async with asyncio.timeout(self.settings.job_lease_seconds * 0.9):
            await handler(self.context, job)

    async def _fail(self, row: Job, error: str, *, permanent: bool) -> None:
        try:
            dead = await queue.fail(
                self.database,
                row,
                worker=self.worker,
                error=error,
                permanent=permanent,
                backoff=self.backoff,
            )
        except Exception:  # the lease runs out and the job is tried again
            log.exception("could not record the failure of job %s", row.id)
            return
        if dead:
            log.error("job %s (%s) is dead: %s", row.id, row.kind, error)


async def run_due(
    database: Database,
    settings: Settings,
    *,
    limit: int = DEFAULT_RUN_DUE_LIMIT,
    workspace_id: str | None = None,
) -> int:
    """Run every job due now (and those that become due while it runs, such as a retry with no
    backoff or a sandbox step of 0 seconds), at most ``limit``; how many ran. With
    ``workspace_id``, only that workspace's jobs (tests use it to stay in their own)."""
    total = 0
    async with Runner.opened(database, settings) as runner:
        await runner.purge_if_due()
        while total < limit:
            batch = min(settings.worker_concurrency, limit - total)
            claimed = await runner.claim(batch, workspace_id=workspace_id)
            if not claimed:
                break
            await asyncio.gather(*(runner.run(item) for item in claimed))
            total += len(claimed)
    return total


async def worker_loop(context: LoopContext) -> None:
    """The worker: run due jobs until ``context.stop`` is set, woken by the database's ``jobs``
    topic: at once after a local commit that enqueued one, and by another process's ``NOTIFY``
    on PostgreSQL."""
    database, settings = context.database, context.settings
    wake = asyncio.Event()
    jobs = database.notifier.jobs
    jobs.listen(wake.set)
    try:
        async with Runner.opened(database, settings) as runner, database.notifier.following(jobs):
            await _serve(runner, wake, context.stop)
    finally:
        jobs.unlisten(wake.set)


async def _serve(runner: Runner, wake: asyncio.Event, stop: asyncio.Event) -> None:
    running: set[asyncio.Task[None]] = set()
    concurrency = runner.settings.worker_concurrency
    try:
        while not stop.is_set():
            wake.clear()
            await runner.purge_if_due()
            free = concurrency - len(running)
            claimed = await runner.claim(free) if free > 0 else []
            for item in claimed:
                task = asyncio.create_task(runner.run(item), name=f"job-{item[0].id}")
                running.add(task)
                task.add_done_callback(running.discard)
            if len(running) >= concurrency:
                await _wait_for_any(running, stop)  # every slot busy: wait for one to free
            elif len(claimed) < free:
                await _idle(runner, wake, stop)  # the queue has nothing more due now
    finally:
        await _drain(running)


async def _wait_for_any(running: set[asyncio.Task[None]], stop: asyncio.Event) -> None:
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({*running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()


async def _idle(runner: Runner, wake: asyncio.Event, stop: asyncio.Event) -> None:
    """Wait for a wake-up, the stop, or the next due job (at most one poll interval)."""
    timeout = runner.settings.worker_poll_seconds
    with contextlib.suppress(Exception):  # a failed look-up only means a plain poll
        next_at = await queue.next_due_at(runner.database)
        if next_at is not None:
            timeout = min(timeout, (next_at - utcnow()).total_seconds())
    timeout = max(timeout, MIN_IDLE_SECONDS)
    waiters = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())}
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _drain(running: set[asyncio.Task[None]], grace_seconds: float = 4.0) -> None:
    """Let running jobs finish; those still running after the grace period are cancelled (their
    lease runs out and another worker takes them)."""
    if not running:
        return
    _, pending = await asyncio.wait(set(running), timeout=grace_seconds)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
