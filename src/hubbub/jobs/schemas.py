"""The job outbox as the runner and the API see it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

# ``pending``: waits for ``run_at``; ``running``: leased by a worker until ``lease_until``;
# ``dead``: failed its last attempt (or failed for good) and waits for a person. A job that
# succeeds is deleted: the outbox holds only work still to do or to look at.
JobStatus = Literal["pending", "running", "dead"]
JOB_STATUSES: tuple[JobStatus, ...] = ("pending", "running", "dead")


class JobError(BaseModel):
    attempt: int
    at: datetime
    error: str


class Job(BaseModel):
    id: str
    workspace_id: str | None = None
    kind: str
    target_id: str
    status: JobStatus
    run_at: datetime
    # Lower runs first; see ``hubbub.jobs.priorities``.
    priority: int = 50
    attempts: int
    max_attempts: int
    lease_until: datetime | None = None
    locked_by: str | None = None
    last_error: str | None = None
    errors: list[JobError] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
