"""The job outbox. A job is written in the transaction of the change that needs it and run by
the delivery runner after commit; jobs carry ids and re-load their rows, so running one twice
is harmless.

Waking the runner: the database's ``jobs`` topic (``hubbub.db.notify``) wakes this process's
runner after commit, and on PostgreSQL tells other processes through ``NOTIFY`` when this one
runs none (see ``Topic.wake_after_commit``)."""

from __future__ import annotations

import builtins
from datetime import datetime

from hubbub.db.uow import Session
from hubbub.errors import Conflict, NotFound
from hubbub.jobs.priorities import priority_of
from hubbub.jobs.repository import JobRepository
from hubbub.jobs.schemas import Job, JobStatus
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor
from hubbub.kit.ids import new_id

DEFAULT_MAX_ATTEMPTS = 8
MAX_PAGE = 500


class JobService:
    async def enqueue(
        self,
        session: Session,
        *,
        kind: str,
        target_id: str,
        workspace_id: str | None = None,
        run_at: datetime | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> str:
        now = utcnow()
        job_id = new_id()
        await JobRepository(session).insert(
            {
                "id": job_id,
                "workspace_id": workspace_id,
                "kind": kind,
                "target_id": target_id,
                "status": "pending",
                "run_at": run_at or now,
                "priority": priority_of(kind),
                "attempts": 0,
                "max_attempts": max_attempts,
                "errors": [],
                "created_at": now,
                "updated_at": now,
            }
        )
        await session.notifier.jobs.wake_after_commit(session)
        return job_id

    async def get_or_raise(self, session: Session, workspace_id: str | None, job_id: str) -> Job:
        """The workspace's job (any workspace's with ``None``: the operator's CLI)."""
        found = await JobRepository(session).get(workspace_id, job_id)
        if found is None:
            raise NotFound("job", job_id)
        return found

    async def retry(self, session: Session, workspace_id: str | None, job_id: str) -> Job:
        """Run a dead job again now, with its full number of attempts."""
        found = await self.get_or_raise(session, workspace_id, job_id)
        if not await JobRepository(session).revive(workspace_id, job_id, now=utcnow()):
            raise Conflict(f"job {job_id} is {found.status}; only a dead job can be retried")
        await session.notifier.jobs.wake_after_commit(session)
        return await self.get_or_raise(session, workspace_id, job_id)

    async def revive_or_enqueue(
        self, session: Session, workspace_id: str, *, kind: str, target_id: str
    ) -> None:
        """Run the target's work of ``kind`` again now: its dead job, revived with its full
        number of attempts, or a new job when none died (it was completed, or purged). Nothing
        when one is still waiting or running: it will do the work, and a second one could do
        it twice."""
        repository = JobRepository(session)
        if await repository.revive_dead_for(
            workspace_id, kind=kind, target_id=target_id, now=utcnow()
        ):
            await session.notifier.jobs.wake_after_commit(session)
        elif not await repository.has_live_job(workspace_id, kind=kind, target_id=target_id):
            await self.enqueue(session, kind=kind, target_id=target_id, workspace_id=workspace_id)

    async def move_pending(
        self, session: Session, workspace_id: str, *, kind: str, target_id: str, run_at: datetime
    ) -> int:
        """Move the target's pending jobs of ``kind`` to ``run_at``; how many moved."""
        moved = await JobRepository(session).move_pending(
            workspace_id, kind=kind, target_id=target_id, run_at=run_at, now=utcnow()
        )
        if moved:
            await session.notifier.jobs.wake_after_commit(session)
        return moved

    async def drop_pending(
        self, session: Session, workspace_id: str, *, kind: str, target_id: str
    ) -> int:
        return await JobRepository(session).delete_pending(
            workspace_id, kind=kind, target_id=target_id
        )

    async def list(
        self,
        session: Session,
        workspace_id: str | None,
        *,
        statuses: builtins.list[JobStatus] | None = None,
        limit: int = 50,
        cursor: Cursor | None = None,
    ) -> tuple[builtins.list[Job], Cursor | None]:
        """Newest first; the cursor of the next page, or None at the end."""
        limit = max(1, min(limit, MAX_PAGE))
        rows = await JobRepository(session).list_page(
            workspace_id, statuses=list(statuses or []), limit=limit + 1, after=cursor
        )
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], Cursor(created_us=to_micros(last.created_at), id=last.id, order="desc")


job = JobService()
