from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from hubbub.db.models import event
from hubbub.db.prepared import prepared
from hubbub.db.uow import Session
from hubbub.events.schemas import Event


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(_INSERT_EVENT, values)

    async def insert_many(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.conn.execute(insert(event), rows)

    async def list_after(
        self,
        workspace_id: str,
        *,
        after: int,
        limit: int,
        conversation_id: str | None = None,
        types: list[str] | None = None,
    ) -> list[Event]:
        query = select(event).where(event.c.workspace_id == workspace_id, event.c.seq > after)
        if conversation_id is not None:
            query = query.where(event.c.conversation_id == conversation_id)
        if types:
            query = query.where(event.c.type.in_(types))
        rows = await self.session.conn.execute(query.order_by(event.c.seq).limit(limit))
        return [Event.model_validate(row._mapping) for row in rows]

    async def seq_before_last(self, workspace_id: str, count: int) -> int:
        result = await self.session.conn.execute(
            select(event.c.seq)
            .where(event.c.workspace_id == workspace_id)
            .order_by(event.c.seq.desc())
            .offset(count)
            .limit(1)
        )
        return int(result.scalar_one_or_none() or 0)


# One compiled INSERT reused for every event (``.values(**row)`` would build a new statement).
_INSERT_EVENT = prepared(insert(event))
