"""The participants of conversations: contacts with a role, in the order they joined."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, delete, select

from hubbub.conversations.schemas import Participant
from hubbub.db.keyset import keyset
from hubbub.db.models import conversation_participant
from hubbub.db.prepared import prepared
from hubbub.db.uow import Session
from hubbub.kit.cursors import Cursor

participant = conversation_participant
# The order participants are listed and paged in: when they joined, then their contact id
# (those added together joined at the same instant).
_JOINED = (participant.c.created_at, participant.c.contact_id)


class ParticipantRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def add(
        self,
        workspace_id: str,
        conversation_id: str,
        contact_ids: Iterable[str],
        *,
        role: str,
        at: datetime,
    ) -> builtins.list[str]:
        """Add the contacts that are not participants yet; returns the ids of those added."""
        rows = [
            {
                "conversation_id": conversation_id,
                "contact_id": contact_id,
                "workspace_id": workspace_id,
                "role": role,
                "created_at": at,
            }
            for contact_id in dict.fromkeys(contact_ids)
        ]
        if not rows:
            return []
        statement = (
            self.session.caps.insert(participant)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(participant.c.contact_id)
        )
        return list((await self.session.conn.execute(statement)).scalars())

    async def get(
        self, workspace_id: str, conversation_id: str, contact_id: str
    ) -> Participant | None:
        row = (
            await self.session.conn.execute(
                select(participant).where(
                    participant.c.conversation_id == conversation_id,
                    participant.c.contact_id == contact_id,
                    participant.c.workspace_id == workspace_id,
                )
            )
        ).one_or_none()
        return None if row is None else Participant.model_validate(row._mapping)

    async def list(self, workspace_id: str, conversation_id: str) -> builtins.list[Participant]:
        rows = await self.session.conn.execute(
            select(participant)
            .where(
                participant.c.conversation_id == conversation_id,
                participant.c.workspace_id == workspace_id,
            )
            .order_by(*_JOINED)
        )
        return [Participant.model_validate(row._mapping) for row in rows]

    async def page(
        self,
        workspace_id: str,
        conversation_id: str,
        *,
        role: str | None,
        limit: int,
        after: Cursor | None,
    ) -> builtins.list[Participant]:
        """Up to ``limit`` participants (of ``role``, when given) after ``after`` in the order
        they joined: (joined, contact id) ascending, the cursor holding that pair."""
        query = select(participant).where(
            participant.c.conversation_id == conversation_id,
            participant.c.workspace_id == workspace_id,
        )
        if role is not None:
            query = query.where(participant.c.role == role)
        query = keyset(query, *_JOINED, after, "asc")
        rows = await self.session.conn.execute(query.limit(limit))
        return [Participant.model_validate(row._mapping) for row in rows]

    async def contact_ids(self, workspace_id: str, conversation_id: str) -> builtins.list[str]:
        rows = await self.session.conn.execute(
            _CONTACT_PARTICIPANT_IDS,
            {"conversation_id": conversation_id, "workspace_id": workspace_id},
        )
        return list(rows.scalars())

    async def delete(self, workspace_id: str, conversation_id: str, contact_id: str) -> str | None:
        """Remove the participant; returns the role it had (None when it was not one)."""
        result = await self.session.conn.execute(
            delete(participant)
            .where(
                participant.c.conversation_id == conversation_id,
                participant.c.contact_id == contact_id,
                participant.c.workspace_id == workspace_id,
            )
            .returning(participant.c.role)
        )
        return result.scalar_one_or_none()

    async def delete_contact(
        self, workspace_id: str, contact_id: str
    ) -> builtins.list[tuple[str, str]]:
        """Remove the contact from every conversation; returns (conversation id, role) of each."""
        result = await self.session.conn.execute(
            delete(participant)
            .where(
                participant.c.contact_id == contact_id,
                participant.c.workspace_id == workspace_id,
            )
            .returning(participant.c.conversation_id, participant.c.role)
        )
        return [(row.conversation_id, row.role) for row in result]


_CONTACT_PARTICIPANT_IDS = prepared(
    select(participant.c.contact_id)
    .where(
        participant.c.conversation_id == bindparam("conversation_id"),
        participant.c.workspace_id == bindparam("workspace_id"),
        participant.c.role == "contact",
    )
    .order_by(*_JOINED)
)
