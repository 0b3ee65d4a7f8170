"""The job handler registry: what runs a job of each kind.

A package that owns a kind of job registers its handler once, at import::

    from hubbub.delivery import handlers
    handlers.register("bot_event.fire", fire_bot_event)

A handler gets the job's ids, re-loads what it needs and runs each database write in its own
short transaction (``context.database.transaction()``), never one held across a call to a
provider. Returning means done (the job is deleted; a handler that ends in a transaction of its
own deletes it there, with ``context.complete_within``, which saves the runner a transaction
and makes the handler's last writes and the job's end one commit). Raising
``PermanentJobError`` kills the job at once (it is kept as ``dead`` for a person to look at);
any other exception is retried with backoff until the job's last attempt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from hubbub.config import Settings
from hubbub.connectors.base import ConnectorContext
from hubbub.db.uow import Database, Session
from hubbub.jobs.repository import JobRepository


class PermanentJobError(Exception):
    """The job cannot succeed however often it is tried."""


@dataclass(frozen=True)
class JobContext:
    database: Database
    settings: Settings
    connectors: ConnectorContext
    # Jobs that ``complete_within`` deleted in a committed transaction; the runner's to clear.
    completed: set[str] = field(default_factory=set)

    async def complete_within(self, session: Session, job: ClaimedJob) -> None:
        """Delete ``job`` in the handler's own transaction (its last one): the job ends when,
        and only if, that transaction commits. Like the runner's own completion it deletes
        only a job this worker still holds."""
        await JobRepository(session).forget_claimed(
            job.id, worker=job.locked_by, attempts=job.attempts
        )
        session.after_commit(lambda: self.completed.add(job.id))


@dataclass(frozen=True)
class ClaimedJob:
    id: str
    kind: str
    target_id: str
    workspace_id: str | None
    # This attempt's number, from 1.
    attempts: int
    max_attempts: int = 1
    # The worker that holds the lease.
    locked_by: str = ""

    @property
    def is_last_attempt(self) -> bool:
        return self.attempts >= self.max_attempts


JobHandler = Callable[[JobContext, ClaimedJob], Awaitable[None]]

_handlers: dict[str, JobHandler] = {}


def register(kind: str, handler: JobHandler) -> None:
    """Run jobs of ``kind`` with ``handler``; registering a kind again replaces its handler."""
    _handlers[kind] = handler


def handler_for(kind: str) -> JobHandler | None:
    return _handlers.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_handlers)
