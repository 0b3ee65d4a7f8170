"""The ``conversation.unsnooze`` job: at a snooze's end, reopen the conversation if it is still
snoozed (``ConversationService.end_snooze``). The delivery runner registers the handler."""

from __future__ import annotations

from hubbub.conversations.commands import SNOOZE_EXPIRY_JOB
from hubbub.conversations.service import conversation as conversation_service
from hubbub.delivery import handlers
from hubbub.delivery.handlers import ClaimedJob, JobContext, PermanentJobError
from hubbub.kit.clock import utcnow


async def end_snooze(context: JobContext, job: ClaimedJob) -> None:
    """Idempotent: a conversation reopened, closed, snoozed again or deleted is left alone."""
    if job.workspace_id is None:
        raise PermanentJobError(f"a {SNOOZE_EXPIRY_JOB} job needs its workspace id")
    async with context.database.transaction() as session:
        await conversation_service.end_snooze(
            session, job.workspace_id, job.target_id, now=utcnow()
        )
        await context.complete_within(session, job)


def register_handlers() -> None:
    handlers.register(SNOOZE_EXPIRY_JOB, end_snooze)
