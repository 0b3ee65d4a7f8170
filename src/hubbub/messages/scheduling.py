"""Scheduled messages: move one to another time, or cancel one before it goes.

A scheduled message is a message in ``scheduled`` with a pending ``message.deliver`` job whose
``run_at`` is its ``scheduled_for``. Rescheduling moves both; cancelling moves the message to
``canceled`` (an interaction and an event, like every status change) and drops the job. A job
the runner has already claimed cannot be moved: the message is being sent, and the request is
a conflict rather than a promise we cannot keep.
"""

from __future__ import annotations

from datetime import datetime

from hubbub.db.uow import Session
from hubbub.errors import Conflict, NotFound
from hubbub.events.service import event as event_service
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import utcnow
from hubbub.messages import interactions
from hubbub.messages.repository import MessageRepository
from hubbub.messages.schemas import Message, StatusUpdate
from hubbub.messages.status import transition

DELIVER_JOB = "message.deliver"


async def reschedule(
    session: Session, workspace_id: str, message_id: str, scheduled_for: datetime
) -> Message:
    """Send the scheduled message at ``scheduled_for`` instead (a time past means now)."""
    repository = MessageRepository(session)
    found = await _get_or_raise(repository, workspace_id, message_id)
    if found.status != "scheduled":
        raise Conflict(f"only a scheduled message can be rescheduled; this one is {found.status}")
    moved = await job_service.move_pending(
        session, workspace_id, kind=DELIVER_JOB, target_id=message_id, run_at=scheduled_for
    )
    if not moved:
        raise Conflict("the message is being sent and can no longer be rescheduled")
    now = utcnow()
    await repository.update(
        workspace_id, message_id, {"scheduled_for": scheduled_for, "updated_at": now}
    )
    updated = found.model_copy(update={"scheduled_for": scheduled_for, "updated_at": now})
    await event_service.record(
        session,
        workspace_id,
        type="message.updated",
        conversation_id=updated.conversation_id,
        message_id=message_id,
        data={"message": updated.model_dump(mode="json")},
    )
    return updated


async def cancel(session: Session, workspace_id: str, message_id: str) -> Message:
    """Cancel a message that has not gone out yet (``scheduled`` or ``accepted``)."""
    repository = MessageRepository(session)
    found = await _get_or_raise(repository, workspace_id, message_id)
    if not transition(found.status, "canceled"):
        raise Conflict(f"a {found.status} message can no longer be canceled")
    canceled, changed = await interactions.update_status(
        session, workspace_id, message_id, StatusUpdate(status="canceled")
    )
    if not changed:  # the runner moved it on between our read and our write
        raise Conflict(f"a {canceled.status} message can no longer be canceled")
    await job_service.drop_pending(session, workspace_id, kind=DELIVER_JOB, target_id=message_id)
    return canceled


async def _get_or_raise(
    repository: MessageRepository, workspace_id: str, message_id: str
) -> Message:
    found = await repository.get(workspace_id, message_id)
    if found is None:
        raise NotFound("message", message_id)
    return found
