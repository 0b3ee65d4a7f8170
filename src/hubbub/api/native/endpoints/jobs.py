"""The job outbox over the native API: what is waiting, running or dead, and re-running a dead
job. Dead jobs are the ones that exhausted their attempts (or failed for good); each keeps the
error of every attempt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from hubbub.api.native.deps import Cursors, Reader, ReadSession, Writer, WriteSession
from hubbub.delivery.revive import retry_job as retry_dead_job
from hubbub.jobs.schemas import Job, JobStatus
from hubbub.jobs.service import MAX_PAGE
from hubbub.jobs.service import job as job_service

router = APIRouter(tags=["jobs"])


class JobPage(BaseModel):
    data: list[Job]
    next_cursor: str | None


@router.get("/jobs")
async def list_jobs(
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    status: Annotated[list[JobStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: str | None = None,
) -> JobPage:
    """The workspace's jobs, newest first; ``status`` (repeatable) filters."""
    jobs, next_cursor = await job_service.list(
        session,
        actor.workspace_id,
        statuses=status,
        limit=limit,
        cursor=cursors.decode_optional(cursor),
    )
    return JobPage(data=jobs, next_cursor=cursors.encode_optional(next_cursor))


@router.get("/jobs/{job_id}")
async def get_job(job_id: str, actor: Reader, session: ReadSession) -> Job:
    return await job_service.get_or_raise(session, actor.workspace_id, job_id)


@router.post("/jobs/{job_id}/retry")
async def retry_job(job_id: str, actor: Writer, session: WriteSession) -> Job:
    """Run a dead job again now, with its full number of attempts; 409 unless it is dead."""
    return await retry_dead_job(session, actor.workspace_id, job_id)
