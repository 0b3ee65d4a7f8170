"""All SQL on bot events: keyset pages over ``(created_at, id)`` like every other list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from hubbub.bot_events.schemas import BotEvent, BotEventFilter
from hubbub.db.keyset import keyset
from hubbub.db.models import bot_event
from hubbub.db.uow import Session
from hubbub.kit.cursors import Cursor, Order

_FILTER_COLUMNS = ("type", "conversation_id", "user_id", "message_id", "workflow_id", "status")


class BotEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, event: BotEvent) -> None:
        await self.session.conn.execute(insert(bot_event).values(**event.model_dump()))

    async def get(self, workspace_id: str, event_id: str) -> BotEvent | None:
        row = (
            await self.session.conn.execute(
                select(bot_event).where(
                    bot_event.c.workspace_id == workspace_id, bot_event.c.id == event_id
                )
            )
        ).one_or_none()
        return None if row is None else BotEvent.model_validate(row._mapping)

    async def move_status(
        self, workspace_id: str, event_id: str, *, from_status: str, to_status: str, at: datetime
    ) -> bool:
        """Change the status only from ``from_status``: a second fire or a cancel that lost
        the race changes nothing."""
        result = await self.session.conn.execute(
            update(bot_event)
            .where(
                bot_event.c.workspace_id == workspace_id,
                bot_event.c.id == event_id,
                bot_event.c.status == from_status,
            )
            .values(status=to_status, updated_at=at)
        )
        return bool(result.rowcount)

    async def list_page(
        self,
        workspace_id: str,
        filters: BotEventFilter,
        *,
        limit: int,
        after: Cursor | None,
        order: Order,
    ) -> list[BotEvent]:
        query = select(bot_event).where(bot_event.c.workspace_id == workspace_id)
        values: dict[str, Any] = filters.model_dump()
        for name in _FILTER_COLUMNS:
            if values[name] is not None:
                query = query.where(bot_event.c[name] == values[name])
        query = keyset(query, bot_event.c.created_at, bot_event.c.id, after, order)
        rows = await self.session.conn.execute(query.limit(limit))
        return [BotEvent.model_validate(row._mapping) for row in rows]
