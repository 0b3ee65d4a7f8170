"""Status changes and interactions: the append-only history of a message.

A status change goes through the machine in ``status.py`` and is applied as a compare-and-set on
the stored status, so two callbacks racing for one message apply one after the other and the
loser is judged against the winner's status: a late ``delivered`` never overwrites ``read``.
Every applied change is also an Interaction (typed by the new status) and an Event; a change
that implies another (``status.implied_by``) applies that one first, as its own change.
"""

from __future__ import annotations

from typing import Any

from hubbub.db.uow import Session
from hubbub.errors import Conflict, NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.ids import new_id
from hubbub.messages.listing import check_page
from hubbub.messages.repository import MessageRepository
from hubbub.messages.schemas import Failure, Interaction, InteractionCreate, Message, StatusUpdate
from hubbub.messages.status import (
    RESENDABLE,
    STATUSES,
    failure_stage,
    implied_by,
    shown_status,
    transition,
)


async def update_status(
    session: Session,
    workspace_id: str,
    message_id: str,
    data: StatusUpdate,
    *,
    known: Message | None = None,
) -> tuple[Message, bool]:
    """Move the message to ``data.status`` if its machine allows. ``known``: the message as
    the caller read it in this transaction, which saves reading it again; the change is a
    compare-and-set on the status, so a stale ``known`` only costs a re-read."""
    if data.failure is not None and data.status != "failed":
        raise UnprocessableEntity("failure goes only with status 'failed'", field="failure")
    repository = MessageRepository(session)
    # Each lost compare-and-set means the status moved up; it can do so only so many times.
    for _ in range(len(STATUSES)):
        if known is not None and known.id == message_id and known.workspace_id == workspace_id:
            current, known = known, None
        else:
            current = await _get_or_raise(repository, workspace_id, message_id)
        if not transition(current.status, data.status):
            return current, False
        implied = implied_by(current.status, data.status)
        if implied is not None:
            known, _ = await update_status(
                session, workspace_id, message_id, StatusUpdate(status=implied), known=current
            )
            continue
        now = utcnow()
        changes: dict[str, Any] = {"status": data.status, "status_at": now, "updated_at": now}
        if data.status == "failed":
            failure = data.failure or Failure(stage=failure_stage(current.status))
            changes["failure"] = failure
        row = {**changes}
        if "failure" in row:
            row["failure"] = row["failure"].model_dump(mode="json")
        if await repository.update_if_status(
            workspace_id, message_id, expected=current.status, values=row
        ):
            changed = current.model_copy(update=changes)
            await _record_change(session, repository, changed, previous=current)
            return changed, True
    return await _get_or_raise(repository, workspace_id, message_id), False


def moves_when_shown(message: Message) -> bool:
    """Whether showing ``message`` to its recipient changes its status (see ``record_shown``)."""
    return message.direction == "outgoing" and shown_status(message.status) is not None


async def record_shown(
    session: Session, workspace_id: str, message_id: str
) -> tuple[Message, bool]:
    """The message has been shown to its recipient (a stream wrote it to them): an outgoing
    message that was only sent is now delivered."""
    current = await _get_or_raise(MessageRepository(session), workspace_id, message_id)
    target = shown_status(current.status) if moves_when_shown(current) else None
    if target is None:
        return current, False
    return await update_status(
        session, workspace_id, message_id, StatusUpdate(status=target), known=current
    )


async def _record_change(
    session: Session, repository: MessageRepository, changed: Message, *, previous: Message
) -> None:
    details: dict[str, Any] = {"status": changed.status, "previous": previous.status}
    if previous.status in RESENDABLE and changed.status == "accepted":
        details["retry"] = True
    if changed.status == "failed" and changed.failure is not None:
        details["failure"] = changed.failure.model_dump(mode="json")
    entry = Interaction(
        id=new_id(),
        message_id=changed.id,
        type=changed.status,
        details=details,
        created_at=changed.status_at,
    )
    await repository.insert_interaction(entry, changed.workspace_id)
    await event_service.record(
        session,
        changed.workspace_id,
        type="message.status_changed",
        conversation_id=changed.conversation_id,
        message_id=changed.id,
        data={"message_id": changed.id, "interaction_id": entry.id, **details},
    )


async def reopen_for_retry(
    session: Session, workspace_id: str, message_id: str, *, known: Message | None = None
) -> Message:
    """Move a failed outgoing message back to ``accepted`` (its failure cleared, the change an
    interaction and an event like any other) so that its delivery runs again; Conflict when it
    is not failed or not outgoing. ``known``: the message as read in this transaction (the
    change is a compare-and-set, so a stale copy fails safely)."""
    repository = MessageRepository(session)
    current = known or await _get_or_raise(repository, workspace_id, message_id)
    if current.direction != "outgoing" or current.status not in RESENDABLE:
        raise Conflict(
            f"message {message_id} is {current.direction} and {current.status}; only a failed "
            "outgoing message can be retried"
        )
    now = utcnow()
    changes: dict[str, Any] = {
        "status": "accepted",
        "status_at": now,
        "updated_at": now,
        "failure": None,
    }
    if not await repository.update_if_status(
        workspace_id, message_id, expected=current.status, values=changes
    ):
        raise Conflict(f"message {message_id} changed meanwhile; retry the request")
    changed = current.model_copy(update=changes)
    await _record_change(session, repository, changed, previous=current)
    return changed


async def record(
    session: Session, workspace_id: str, message_id: str, data: InteractionCreate
) -> Interaction:
    repository = MessageRepository(session)
    found = await _get_or_raise(repository, workspace_id, message_id)
    entry = Interaction(
        id=new_id(),
        message_id=message_id,
        type=data.type,
        details=data.details,
        created_at=utcnow(),
    )
    await repository.insert_interaction(entry, workspace_id)
    await event_service.record(
        session,
        workspace_id,
        type="interaction.created",
        conversation_id=found.conversation_id,
        message_id=message_id,
        data={"interaction": entry.model_dump(mode="json")},
    )
    return entry


async def list_page(
    session: Session,
    workspace_id: str,
    message_id: str,
    *,
    limit: int,
    order: Order,
    cursor: Cursor | None,
) -> tuple[list[Interaction], Cursor | None]:
    order = check_page(limit, order, cursor)
    repository = MessageRepository(session)
    await _get_or_raise(repository, workspace_id, message_id)
    rows = await repository.list_interactions(
        workspace_id, message_id, limit=limit + 1, order=order, after=cursor
    )
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], Cursor(created_us=to_micros(last.created_at), id=last.id, order=order)


async def _get_or_raise(
    repository: MessageRepository, workspace_id: str, message_id: str
) -> Message:
    found = await repository.get(workspace_id, message_id)
    if found is None:
        raise NotFound("message", message_id)
    return found
