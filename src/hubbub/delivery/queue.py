"""Claiming and settling jobs, each in one short transaction of its own.

Nothing here runs a job: the runner claims, calls the handler with no transaction open (a
provider call may take seconds, and on SQLite a held transaction is the process's write lock),
then settles the job in a second transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hubbub.db.uow import Database
from hubbub.delivery.handlers import ClaimedJob
from hubbub.delivery.retry import next_run_at
from hubbub.jobs.repository import JobRepository
from hubbub.jobs.schemas import Job
from hubbub.kit.clock import utcnow

# Errors are kept whole enough to diagnose, short enough not to bloat the row.
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Backoff:
    base_seconds: float
    cap_seconds: float


async def claim(
    database: Database,
    *,
    worker: str,
    limit: int,
    lease_seconds: float,
    workspace_id: str | None = None,
    reclaim: bool = True,
) -> list[tuple[ClaimedJob, Job]]:
    """Lease up to ``limit`` due jobs to ``worker``. With ``reclaim``, jobs whose worker's
    lease ran out are taken too, and those abandoned on their last attempt are buried first,
    so they are never run more often than allowed."""
    now = utcnow()
    async with database.statements() as session:  # one statement each, on PostgreSQL
        repository = JobRepository(session)
        if reclaim:
            await repository.bury_abandoned(now=now)
        rows = await repository.claim_due(
            now=now,
            limit=limit,
            worker=worker,
            lease_until=now + timedelta(seconds=lease_seconds),
            workspace_id=workspace_id,
            include_expired=reclaim,
        )
    return [(_claimed(row), row) for row in rows]


def _claimed(row: Job) -> ClaimedJob:
    return ClaimedJob(
        id=row.id,
        kind=row.kind,
        target_id=row.target_id,
        workspace_id=row.workspace_id,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        locked_by=row.locked_by or "",
    )


async def complete(database: Database, job: ClaimedJob, *, worker: str) -> bool:
    """Delete a job that succeeded; False when this worker no longer held it."""
    async with database.statements() as session:
        return await JobRepository(session).delete_claimed(
            job.id, worker=worker, attempts=job.attempts
        )


async def fail(
    database: Database,
    row: Job,
    *,
    worker: str,
    error: str,
    permanent: bool,
    backoff: Backoff,
) -> bool:
    """Record a failed attempt: retry later with backoff, or mark the job dead when the error is
    permanent or this was its last attempt. Returns whether the job is now dead."""
    now = utcnow()
    error = error[:MAX_ERROR_CHARS]
    entry = {"attempt": row.attempts, "at": now.isoformat(), "error": error}
    errors = [item.model_dump(mode="json") for item in row.errors] + [entry]
    dead = permanent or row.attempts >= row.max_attempts
    values: dict[str, object] = {
        "status": "dead" if dead else "pending",
        "last_error": error,
        "errors": errors,
        "lease_until": None,
        "locked_by": None,
        "updated_at": now,
    }
    if not dead:
        values["run_at"] = next_run_at(
            now, row.attempts, base=backoff.base_seconds, cap=backoff.cap_seconds
        )
    async with database.transaction() as session:
        await JobRepository(session).settle_claimed(
            row.id, worker=worker, attempts=row.attempts, values=values
        )
    return dead


async def next_due_at(database: Database) -> datetime | None:
    async with database.read() as session:
        return await JobRepository(session).next_run_at()
