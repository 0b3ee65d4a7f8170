"""All SQL on the job outbox: enqueue, claim with a lease, settle, list and re-run.

A claim is an UPDATE over a sub-select of due rows: running ones whose lease has expired (their
worker died), then pending ones whose ``run_at`` has come, most urgent ``priority`` first. On
PostgreSQL the sub-select takes its rows ``FOR UPDATE SKIP LOCKED``, so concurrent workers each
get different jobs without waiting on each other; SQLite has one writer at a time, so each
statement is atomic there as it stands.
Settling a job is conditioned on the claim (``locked_by`` and ``attempts``) so a worker whose
lease expired cannot settle the job another worker has since claimed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping

from hubbub.db.keyset import keyset
from hubbub.db.models import job
from hubbub.db.prepared import prepared
from hubbub.db.uow import Session
from hubbub.jobs.schemas import Job
from hubbub.kit.cursors import Cursor

# One compiled INSERT reused for every job.
_INSERT_JOB = prepared(insert(job), deferrable=True)


# A job this worker still holds for this attempt: settling one it lost (its lease ran out and
# another worker claimed it) must change nothing.
# (``b_`` names: an UPDATE takes parameters named like a column as values to SET.)
_HELD = (
    job.c.id == bindparam("b_job_id"),
    job.c.status == "running",
    job.c.locked_by == bindparam("b_worker"),
    job.c.attempts == bindparam("b_attempts"),
)


def _held(job_id: str, worker: str, attempts: int) -> dict[str, Any]:
    return {"b_job_id": job_id, "b_worker": worker, "b_attempts": attempts}


def _delete_claimed() -> Any:
    return delete(job).where(*_HELD)


_DELETE_CLAIMED = prepared(_delete_claimed())
_FORGET_CLAIMED = prepared(_delete_claimed(), deferrable=True)


def _claim(candidates: Select[tuple[str]], *, scoped: bool) -> Any:
    """Lease the first ``b_limit`` of ``candidates`` to ``locked_by``, counting the attempt.
    One statement per shape, registered once: it runs as a transaction of its own
    (``Database.statements``). ``FOR UPDATE SKIP LOCKED`` lets concurrent PostgreSQL workers
    take different rows; SQLite renders no lock clause, and has one writer anyway."""
    if scoped:
        candidates = candidates.where(job.c.workspace_id == bindparam("b_workspace_id"))
    chosen = candidates.limit(bindparam("b_limit")).with_for_update(skip_locked=True)
    return prepared(
        update(job)
        .where(job.c.id.in_(chosen.scalar_subquery()))
        .values(status="running", attempts=job.c.attempts + 1)
        .returning(*job.c)
    )


_NOW = bindparam("b_now", type_=job.c.run_at.type)
# Running jobs whose lease ran out (their worker died) were due before anything pending now.
_EXPIRED = select(job.c.id).where(job.c.status == "running", job.c.lease_until < _NOW)
_PENDING = select(job.c.id).where(job.c.status == "pending", job.c.run_at <= _NOW)
# By whether they are scoped to one workspace.
_CLAIM_EXPIRED = {
    scoped: _claim(_EXPIRED.order_by(job.c.lease_until), scoped=scoped) for scoped in (False, True)
}
_CLAIM_PENDING = {
    scoped: _claim(_PENDING.order_by(job.c.priority, job.c.run_at), scoped=scoped)
    for scoped in (False, True)
}


def _to_job(row: RowMapping) -> Job:
    return Job.model_validate(dict(row))


def _in_workspace(workspace_id: str | None) -> list[Any]:
    return [] if workspace_id is None else [job.c.workspace_id == workspace_id]


class JobRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(_INSERT_JOB, values)

    async def claim_due(
        self,
        *,
        now: datetime,
        limit: int,
        worker: str,
        lease_until: datetime,
        workspace_id: str | None = None,
        include_expired: bool = True,
    ) -> list[Job]:
        """Lease up to ``limit`` due jobs to ``worker``, counting the attempt: first those whose
        lease expired (their worker died; they were due before anything pending now), then
        pending ones by ``(priority, run_at)``. Two statements rather than one with an ``OR``,
        so each is served by ``ix_job_claim`` (status, priority, run_at) in index order and
        stops at its limit instead of sorting every due row."""
        parameters: dict[str, Any] = {
            "b_now": now,
            "locked_by": worker,
            "lease_until": lease_until,
            "updated_at": now,
        }
        scoped = workspace_id is not None
        if scoped:
            parameters["b_workspace_id"] = workspace_id
        rows: list[Job] = []
        if include_expired:
            rows = await self._lease(_CLAIM_EXPIRED[scoped], limit, parameters)
        if len(rows) < limit:
            rows += await self._lease(_CLAIM_PENDING[scoped], limit - len(rows), parameters)
        return rows

    async def _lease(self, statement: Any, limit: int, parameters: dict[str, Any]) -> list[Job]:
        rows = await self.session.conn.execute(statement, {**parameters, "b_limit": limit})
        claimed = (_to_job(row._mapping) for row in rows)
        return sorted(claimed, key=lambda found: (found.priority, found.run_at))

    async def bury_abandoned(self, *, now: datetime) -> int:
        """Mark dead the leased jobs whose worker vanished on their last attempt: claiming them
        again would run them more often than allowed (and a job that kills its worker would
        kill every worker in turn)."""
        result = await self.session.conn.execute(
            update(job)
            .where(
                job.c.status == "running",
                job.c.lease_until < now,
                job.c.attempts >= job.c.max_attempts,
            )
            .values(
                status="dead",
                lease_until=None,
                locked_by=None,
                last_error="the worker running the last attempt stopped before it finished",
                updated_at=now,
            )
        )
        return int(result.rowcount)

    async def delete_claimed(self, job_id: str, *, worker: str, attempts: int) -> bool:
        held = _held(job_id, worker, attempts)
        result = await self.session.conn.execute(_DELETE_CLAIMED, held)
        return bool(result.rowcount)

    async def forget_claimed(self, job_id: str, *, worker: str, attempts: int) -> None:
        """``delete_claimed`` for a caller that needs no answer: on PostgreSQL it goes out
        with the transaction's other deferred writes."""
        held = _held(job_id, worker, attempts)
        await self.session.conn.execute(_FORGET_CLAIMED, held)

    async def settle_claimed(
        self, job_id: str, *, worker: str, attempts: int, values: dict[str, Any]
    ) -> bool:
        """Write ``values`` (a retry or a death) on a job this worker still holds."""
        held = _held(job_id, worker, attempts)
        result = await self.session.conn.execute(update(job).where(*_HELD).values(**values), held)
        return bool(result.rowcount)

    async def next_run_at(self) -> datetime | None:
        """When the earliest pending job is due (None: nothing pending)."""
        found = await self.session.conn.execute(
            select(func.min(job.c.run_at)).where(job.c.status == "pending")
        )
        value: datetime | None = found.scalar_one_or_none()
        return value

    async def get(self, workspace_id: str | None, job_id: str) -> Job | None:
        """A job of the workspace (any job with ``None``, for operators)."""
        statement = select(job).where(job.c.id == job_id, *_in_workspace(workspace_id))
        row = (await self.session.conn.execute(statement)).one_or_none()
        return None if row is None else _to_job(row._mapping)

    async def list_page(
        self,
        workspace_id: str | None,
        *,
        statuses: list[str] | None,
        limit: int,
        after: Cursor | None,
    ) -> list[Job]:
        """Newest first, keyset over ``(created_at, id)``."""
        statement = select(job).where(*_in_workspace(workspace_id))
        if statuses:
            statement = statement.where(job.c.status.in_(statuses))
        statement = keyset(statement, job.c.created_at, job.c.id, after, "desc").limit(limit)
        rows = await self.session.conn.execute(statement)
        return [_to_job(row._mapping) for row in rows]

    async def revive(self, workspace_id: str | None, job_id: str, *, now: datetime) -> bool:
        """Make a dead job pending again, due now, with a fresh count of attempts (its error
        history stays)."""
        result = await self.session.conn.execute(
            update(job)
            .where(job.c.id == job_id, job.c.status == "dead", *_in_workspace(workspace_id))
            .values(status="pending", run_at=now, attempts=0, lease_until=None, updated_at=now)
        )
        return bool(result.rowcount)

    async def revive_dead_for(
        self, workspace_id: str, *, kind: str, target_id: str, now: datetime
    ) -> int:
        """``revive`` every dead job of ``kind`` for ``target_id``; how many."""
        result = await self.session.conn.execute(
            update(job)
            .where(*self._for_target(workspace_id, kind, target_id), job.c.status == "dead")
            .values(status="pending", run_at=now, attempts=0, lease_until=None, updated_at=now)
        )
        return int(result.rowcount)

    async def has_live_job(self, workspace_id: str, *, kind: str, target_id: str) -> bool:
        """Whether a job of ``kind`` for ``target_id`` is waiting or running."""
        found = await self.session.conn.execute(
            select(job.c.id)
            .where(
                *self._for_target(workspace_id, kind, target_id),
                job.c.status.in_(("pending", "running")),
            )
            .limit(1)
        )
        return found.first() is not None

    async def move_pending(
        self, workspace_id: str, *, kind: str, target_id: str, run_at: datetime, now: datetime
    ) -> int:
        result = await self.session.conn.execute(
            update(job)
            .where(*self._pending_for(workspace_id, kind, target_id))
            .values(run_at=run_at, updated_at=now)
        )
        return int(result.rowcount)

    async def delete_pending(self, workspace_id: str, *, kind: str, target_id: str) -> int:
        result = await self.session.conn.execute(
            delete(job).where(*self._pending_for(workspace_id, kind, target_id))
        )
        return int(result.rowcount)

    def _pending_for(self, workspace_id: str, kind: str, target_id: str) -> list[Any]:
        return [*self._for_target(workspace_id, kind, target_id), job.c.status == "pending"]

    def _for_target(self, workspace_id: str, kind: str, target_id: str) -> list[Any]:
        return [
            job.c.kind == kind,
            job.c.target_id == target_id,
            job.c.workspace_id == workspace_id,
        ]
