"""The ``bot_event.fire`` job: at a scheduled event's time, make it ``pending``. Importing this
module registers the handler with the delivery runner."""

from __future__ import annotations

from hubbub.bot_events.service import FIRE_JOB
from hubbub.bot_events.service import bot_event as bot_event_service
from hubbub.delivery import handlers
from hubbub.delivery.handlers import ClaimedJob, JobContext, PermanentJobError


async def fire_bot_event(context: JobContext, job: ClaimedJob) -> None:
    """Idempotent: an event already fired or canceled is left as it is."""
    if job.workspace_id is None:
        raise PermanentJobError("a bot_event.fire job needs its workspace id")
    async with context.database.transaction() as session:
        await bot_event_service.fire(session, job.workspace_id, job.target_id)


def register_handlers() -> None:
    handlers.register(FIRE_JOB, fire_bot_event)


register_handlers()
