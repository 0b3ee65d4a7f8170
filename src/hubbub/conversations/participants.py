"""Changing and paging a conversation's participants (``ConversationService`` checks the
conversation and the contacts, then calls these).

Every change after the conversation was created records an event in the same transaction:
``conversation.participant_added`` or ``conversation.participant_removed``, with the
conversation's id and ``{"contact_id", "role"}``. Readers of the log (realtime streams, the
webhook sender) learn of it as of any other change. The participants a conversation is created
with are part of its ``conversation.created``; a contact already taking part records nothing."""

from __future__ import annotations

from hubbub.conversations.participant_repository import ParticipantRepository
from hubbub.conversations.schemas import (
    PARTICIPANT_ADDED,
    PARTICIPANT_REMOVED,
    Participant,
    ParticipantRole,
)
from hubbub.db.uow import Session
from hubbub.errors import InvalidCursor, InvalidInput, NotFound
from hubbub.events.service import event as event_service
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor

MAX_PAGE = 500


async def join(
    session: Session,
    workspace_id: str,
    conversation_id: str,
    contact_ids: list[str],
    *,
    role: ParticipantRole,
) -> list[str]:
    """Make the contacts participants; those already there keep their role. Returns the ids
    of the contacts added, each recorded as an event."""
    added = await ParticipantRepository(session).add(
        workspace_id, conversation_id, contact_ids, role=role, at=utcnow()
    )
    for contact_id in added:
        await _record(session, workspace_id, conversation_id, PARTICIPANT_ADDED, contact_id, role)
    return added


async def leave(session: Session, workspace_id: str, conversation_id: str, contact_id: str) -> None:
    role = await ParticipantRepository(session).delete(workspace_id, conversation_id, contact_id)
    if role is None:
        raise NotFound("participant", contact_id)
    await _record(session, workspace_id, conversation_id, PARTICIPANT_REMOVED, contact_id, role)


async def leave_everywhere(session: Session, workspace_id: str, contact_id: str) -> None:
    """Take the contact out of every conversation (before it is deleted, say: the foreign
    key would remove its participations without an event)."""
    left = await ParticipantRepository(session).delete_contact(workspace_id, contact_id)
    for conversation_id, role in left:
        await _record(session, workspace_id, conversation_id, PARTICIPANT_REMOVED, contact_id, role)


async def page(
    session: Session,
    workspace_id: str,
    conversation_id: str,
    *,
    role: ParticipantRole | None,
    limit: int,
    cursor: Cursor | None,
) -> tuple[list[Participant], Cursor | None]:
    """One page in the order they joined, and the next page's cursor (None at the end): a
    keyset over (joined, contact id), so a cursor stays valid as people come and go."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    if cursor is not None and cursor.order != "asc":
        raise InvalidCursor("the cursor was issued for another list", field="cursor")
    rows = await ParticipantRepository(session).page(
        workspace_id, conversation_id, role=role, limit=limit + 1, after=cursor
    )
    if len(rows) <= limit:
        return rows, None
    chosen = rows[:limit]
    last = chosen[-1]
    return chosen, Cursor(created_us=to_micros(last.created_at), id=last.contact_id, order="asc")


async def _record(
    session: Session,
    workspace_id: str,
    conversation_id: str,
    type: str,
    contact_id: str,
    role: str,
) -> None:
    await event_service.record(
        session,
        workspace_id,
        type=type,
        conversation_id=conversation_id,
        data={"contact_id": contact_id, "role": role},
    )
