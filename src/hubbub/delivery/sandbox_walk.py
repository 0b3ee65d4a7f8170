"""The ``sandbox.advance`` job: the sandbox provider's "callbacks".

After the sandbox sends a message, one job per step moves it ``sent → delivered → read``,
``HUBBUB_SANDBOX_STEP_SECONDS`` apart, through the same status machine a real provider's
callbacks go through: a message that moved on otherwise (failed, deleted, read) stays put.
"""

from __future__ import annotations

from datetime import timedelta

from hubbub.connectors.sandbox import next_step
from hubbub.db.uow import Session
from hubbub.delivery import handlers
from hubbub.delivery.handlers import ClaimedJob, JobContext, PermanentJobError
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import utcnow
from hubbub.messages.schemas import StatusUpdate
from hubbub.messages.service import message as message_service

ADVANCE_JOB = "sandbox.advance"


def register_handlers() -> None:
    handlers.register(ADVANCE_JOB, advance)


async def advance(context: JobContext, job: ClaimedJob) -> None:
    if job.workspace_id is None:
        raise PermanentJobError("a sandbox.advance job needs a workspace")
    async with context.database.transaction() as session:
        await _advance(context, session, job, job.workspace_id)
        await context.complete_within(session, job)


async def _advance(
    context: JobContext, session: Session, job: ClaimedJob, workspace_id: str
) -> None:
    message = await message_service.get(session, workspace_id, job.target_id)
    step = None if message is None else next_step(message.status)
    if message is None or step is None:
        return
    moved, _ = await message_service.update_status(
        session, workspace_id, message.id, StatusUpdate(status=step), known=message
    )
    if next_step(moved.status) is None:
        return
    delay = timedelta(seconds=context.settings.sandbox_step_seconds)
    await job_service.enqueue(
        session,
        kind=ADVANCE_JOB,
        target_id=message.id,
        workspace_id=workspace_id,
        run_at=utcnow() + delay,
    )
