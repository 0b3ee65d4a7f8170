"""The job outbox. A job is written in the transaction of the change that needs it and run by
the delivery runner after commit; jobs carry ids and re-load their rows, so running one twice
is harmless."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hubbub.db.uow import Session
from hubbub.jobs.repository import JobRepository
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id

DEFAULT_MAX_ATTEMPTS = 8

# Processes that run jobs register here to be woken after a commit that enqueued one, so a new
# job starts at once instead of at the next poll.
_wakers: list[Callable[[], None]] = []


def add_waker(waker: Callable[[], None]) -> None:
    _wakers.append(waker)


def remove_waker(waker: Callable[[], None]) -> None:
    if waker in _wakers:
        _wakers.remove(waker)


def _wake_all() -> None:
    for waker in list(_wakers):
        waker()


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
                "attempts": 0,
                "max_attempts": max_attempts,
                "errors": [],
                "created_at": now,
                "updated_at": now,
            }
        )
        session.after_commit(_wake_all)
        return job_id


job = JobService()
