"""The conversation commands every surface uses: close, reopen, snooze until a time, assign to an
agent (or to nobody). ``ConversationService`` has them as methods (``conversation_service.close``).

Each command reads the conversation locked (so concurrent commands take turns and each decides
on what the previous one left) and, if it changes something, records exactly one event in the
caller's transaction: ``conversation.closed`` / ``conversation.reopened`` (data ``{status,
previous_status}``), ``conversation.snoozed`` (``{status, previous_status, until}``),
``conversation.assigned`` (``{assignee_id, previous_assignee_id}``). A command that changes
nothing (closing a closed conversation, assigning the assignee again) records nothing and
returns the conversation as it is.

A snooze ends by itself: a ``conversation.unsnooze`` job runs at its ``until`` and reopens the
conversation if it is still snoozed and its snooze has ended by then. So an old job is
harmless: after a reopen, a close or a snooze to a later time it finds nothing to do (a
re-snooze also moves the pending job; reopen and close drop it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from hubbub.agents.service import agent as agent_service
from hubbub.conversations.repository import ConversationRepository
from hubbub.conversations.schemas import (
    ASSIGNED,
    CLOSED,
    REOPENED,
    SNOOZED,
    Conversation,
    ConversationStatus,
    ConversationUpdate,
)
from hubbub.db.uow import Session
from hubbub.errors import NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.jobs.service import job as job_service
from hubbub.kit.clock import utcnow

SNOOZE_EXPIRY_JOB: Final = "conversation.unsnooze"
# The longest snooze: a conversation put away for longer is closed, not snoozed. (Bounds the
# time too: a year-9999 ``until`` is a 422, not an overflow further down.)
MAX_SNOOZE: Final = timedelta(days=366)


class ConversationCommands:
    """Mixed into ``ConversationService``."""

    async def close(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> Conversation:
        current = await _load(session, workspace_id, conversation_id)
        if current.status == "closed":
            return current
        await _drop_expiry(session, current)
        return await _move(session, current, "closed", CLOSED)

    async def reopen(
        self, session: Session, workspace_id: str, conversation_id: str
    ) -> Conversation:
        current = await _load(session, workspace_id, conversation_id)
        if current.status == "open":
            return current
        await _drop_expiry(session, current)
        return await _move(session, current, "open", REOPENED)

    async def snooze(
        self,
        session: Session,
        workspace_id: str,
        conversation_id: str,
        *,
        until: datetime | None = None,
        duration: timedelta | None = None,
    ) -> Conversation:
        """Snooze until ``until`` (in the future, at most ``MAX_SNOOZE`` ahead), or for
        ``duration`` from now; snoozing a snoozed conversation moves its end."""
        now = utcnow()
        if duration is not None:
            until = now + check_snooze_duration(duration, field="duration")
        elif until is not None:
            until = check_snooze_end(until, field="until", now=now)
        else:
            raise UnprocessableEntity("a snooze needs its end", field="until")
        current = await _load(session, workspace_id, conversation_id)
        if current.status == "snoozed" and current.snoozed_until == until:
            return current
        moved = 0
        if current.status == "snoozed":
            moved = await job_service.move_pending(
                session, workspace_id, kind=SNOOZE_EXPIRY_JOB, target_id=current.id, run_at=until
            )
        if not moved:
            await job_service.enqueue(
                session,
                kind=SNOOZE_EXPIRY_JOB,
                target_id=current.id,
                workspace_id=workspace_id,
                run_at=until,
            )
        return await _move(session, current, "snoozed", SNOOZED, until=until, now=now)

    async def assign(
        self, session: Session, workspace_id: str, conversation_id: str, *, agent_id: str | None
    ) -> Conversation:
        """Give the conversation to an active agent of the workspace (another workspace's
        agent is not found), or to nobody with ``None``."""
        current = await _load(session, workspace_id, conversation_id)
        if agent_id is not None:
            await agent_service.require_assignable(session, workspace_id, agent_id)
        if current.assignee_id == agent_id:
            return current
        data = {"assignee_id": agent_id, "previous_assignee_id": current.assignee_id}
        return await _write(session, current, {"assignee_id": agent_id}, ASSIGNED, data)

    async def delete_agent(self, session: Session, workspace_id: str, agent_id: str) -> None:
        """Delete an agent, recording first the unassignment of each conversation they had
        (the foreign key alone would clear ``assignee_id`` without an event). Every API that
        deletes an agent deletes them through here."""
        await agent_service.get_or_raise(session, workspace_id, agent_id)
        now = utcnow()
        unassigned = await ConversationRepository(session).unassign_agent(
            workspace_id, agent_id, now=now
        )
        for conversation_id in unassigned:
            await event_service.record(
                session,
                workspace_id,
                type=ASSIGNED,
                conversation_id=conversation_id,
                data={"assignee_id": None, "previous_assignee_id": agent_id},
            )
        await agent_service.delete(session, workspace_id, agent_id)

    async def run_update_commands(
        self, session: Session, workspace_id: str, current: Conversation, data: ConversationUpdate
    ) -> Conversation:
        """The status and assignee changes of a PATCH (``ConversationService.update``), as
        commands: ``snoozed`` needs ``snoozed_until``, which alone snoozes too."""
        if data.snoozed_until is not None and data.status not in (None, "snoozed"):
            raise UnprocessableEntity(
                f"snoozed_until is for a snooze, not status {data.status}", field="snoozed_until"
            )
        if data.status == "snoozed" and data.snoozed_until is None:
            if current.status != "snoozed":
                raise UnprocessableEntity("a snooze needs snoozed_until", field="snoozed_until")
        elif data.status == "snoozed" or data.snoozed_until is not None:
            assert data.snoozed_until is not None
            until = check_snooze_end(data.snoozed_until, field="snoozed_until")
            current = await self.snooze(session, workspace_id, current.id, until=until)
        elif data.status == "closed":
            current = await self.close(session, workspace_id, current.id)
        elif data.status == "open":
            current = await self.reopen(session, workspace_id, current.id)
        if "assignee_id" in data.model_fields_set:
            current = await self.assign(
                session, workspace_id, current.id, agent_id=data.assignee_id
            )
        return current

    async def end_snooze(
        self, session: Session, workspace_id: str, conversation_id: str, *, now: datetime
    ) -> Conversation | None:
        """What the expiry job does: reopen the conversation if it is still snoozed and its
        snooze has ended by ``now``; the reopened conversation, or None when nothing was due
        (gone, reopened, closed, or snoozed again to a later time)."""
        current = await ConversationRepository(session).get_locked(workspace_id, conversation_id)
        if current is None or current.status != "snoozed":
            return None
        if current.snoozed_until is not None and current.snoozed_until > now:
            return None
        return await _move(session, current, "open", REOPENED)


def check_snooze_end(until: datetime, *, field: str, now: datetime | None = None) -> datetime:
    """``until`` as an aware UTC time, if a snooze may end then."""
    if until.tzinfo is None:
        raise UnprocessableEntity("the snooze end needs a time zone", field=field)
    until = until.astimezone(UTC)
    ahead = until - (now or utcnow())
    if ahead <= timedelta(0):
        raise UnprocessableEntity("the snooze end must be in the future", field=field)
    check_snooze_duration(ahead, field=field)
    return until


def check_snooze_duration(duration: timedelta, *, field: str) -> timedelta:
    if duration <= timedelta(0):
        raise UnprocessableEntity("a snooze must last some time", field=field)
    if duration > MAX_SNOOZE:
        raise UnprocessableEntity(
            f"a snooze lasts at most {MAX_SNOOZE.days} days; close the conversation instead",
            field=field,
        )
    return duration


async def _load(session: Session, workspace_id: str, conversation_id: str) -> Conversation:
    found = await ConversationRepository(session).get_locked(workspace_id, conversation_id)
    if found is None:
        raise NotFound("conversation", conversation_id)
    return found


async def _drop_expiry(session: Session, current: Conversation) -> None:
    if current.status == "snoozed":
        await job_service.drop_pending(
            session, current.workspace_id, kind=SNOOZE_EXPIRY_JOB, target_id=current.id
        )


async def _move(
    session: Session,
    current: Conversation,
    status: ConversationStatus,
    event_type: str,
    *,
    until: datetime | None = None,
    now: datetime | None = None,
) -> Conversation:
    now = now or utcnow()
    changes: dict[str, Any] = {"status": status, "snoozed_until": until}
    if status != current.status:
        changes["status_changed_at"] = now
    data: dict[str, Any] = {"status": status, "previous_status": current.status}
    if until is not None:
        data["until"] = until.isoformat().replace("+00:00", "Z")
    return await _write(session, current, changes, event_type, data, now=now)


async def _write(
    session: Session,
    current: Conversation,
    changes: dict[str, Any],
    event_type: str,
    data: dict[str, Any],
    *,
    now: datetime | None = None,
) -> Conversation:
    changes = {**changes, "updated_at": now or utcnow()}
    await ConversationRepository(session).update(current.workspace_id, current.id, changes)
    await event_service.record(
        session, current.workspace_id, type=event_type, conversation_id=current.id, data=data
    )
    return current.model_copy(update=changes)
