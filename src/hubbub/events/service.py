"""The workspace's event log: every write appends its events in its own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hubbub.db.uow import Session
from hubbub.events.repository import EventRepository, LogPositionRepository
from hubbub.events.schemas import Event, EventPage
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id

MAX_PAGE = 500


class EventService:
    async def record(
        self,
        session: Session,
        workspace_id: str,
        *,
        type: str,
        conversation_id: str | None = None,
        message_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        await EventRepository(session).insert(
            {
                "id": new_id(),
                "workspace_id": workspace_id,
                "type": type,
                "conversation_id": conversation_id,
                "message_id": message_id,
                "data": data or {},
                "created_at": utcnow(),
            }
        )
        session.notifier.events.announce_after_commit(session)

    async def list(
        self,
        session: Session,
        workspace_id: str,
        *,
        after: int = 0,
        limit: int = 100,
        conversation_id: str | None = None,
        types: list[str] | None = None,
    ) -> EventPage:
        limit = max(1, min(limit, MAX_PAGE))
        events = await EventRepository(session).list_after(
            workspace_id,
            after=after,
            limit=limit,
            conversation_id=conversation_id,
            types=types,
        )
        next_after = events[-1].seq if len(events) == limit else None
        return EventPage(events=events, next_after=next_after)

    async def position_before_last(self, session: Session, workspace_id: str, count: int) -> int:
        """The ``after`` that lists the workspace's last ``count`` events. Sequence numbers are
        shared by every workspace, so it is not simply the latest minus ``count``."""
        return await EventRepository(session).seq_before_last(workspace_id, count)


event = EventService()


class EventFeed:
    """Reading the log as its followers (realtime streams, webhook sender) do: ranges of
    ``seq`` bounded by a safe horizon (``hubbub.events.horizon``)."""

    async def between(
        self,
        session: Session,
        *,
        after: int,
        upto: int,
        limit: int = MAX_PAGE,
        workspace_id: str | None = None,
        conversation_id: str | None = None,
        types: Sequence[str] = (),
    ) -> list[Event]:
        """Events with ``after < seq <= upto`` in seq order, of one workspace or of all."""
        return await LogPositionRepository(session).range(
            after=after,
            upto=upto,
            limit=max(1, min(limit, MAX_PAGE)),
            workspace_id=workspace_id,
            conversation_id=conversation_id,
            types=types,
        )

    async def seq_of(self, session: Session, workspace_id: str, event_id: str) -> int | None:
        return await LogPositionRepository(session).seq_of(workspace_id, event_id)

    async def latest_seq(self, session: Session, workspace_id: str) -> int:
        return await EventRepository(session).seq_before_last(workspace_id, 0)


feed = EventFeed()
