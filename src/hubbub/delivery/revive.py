"""Retrying a dead job is running its work again, not just making the row pending: a dead
``message.deliver`` job left its message ``failed``, and a delivery job skips a message that is
no longer waiting, so its message is moved back to ``accepted`` first (the status machine's one
way back, ``hubbub.messages.status.RESENDABLE``), in the same transaction."""

from __future__ import annotations

from hubbub.db.uow import Session
from hubbub.jobs.schemas import Job
from hubbub.jobs.service import job as job_service
from hubbub.messages.service import DELIVER_JOB
from hubbub.messages.service import message as message_service


async def retry_job(session: Session, workspace_id: str | None, job_id: str) -> Job:
    """Run a dead job again now, with its full number of attempts (Conflict unless it is
    dead); ``workspace_id`` None: any workspace's (the operator's CLI)."""
    found = await job_service.get_or_raise(session, workspace_id, job_id)
    if found.kind == DELIVER_JOB and found.status == "dead" and found.workspace_id is not None:
        await message_service.reopen_failed_delivery(session, found.workspace_id, found.target_id)
    return await job_service.retry(session, workspace_id, job_id)
