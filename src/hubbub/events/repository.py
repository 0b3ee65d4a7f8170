from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Text, cast, func, insert, select

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
_INSERT_EVENT = prepared(insert(event), deferrable=True)


class LogPositionRepository:
    """Where the log stands, for readers that follow it (``hubbub.events.horizon``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def top(self) -> int:
        result = await self.session.conn.execute(select(func.coalesce(func.max(event.c.seq), 0)))
        return int(result.scalar_one())

    async def observe(self, after: int | None) -> tuple[int, str, int | None]:
        """PostgreSQL only: the highest visible seq, the snapshot it was read in (as text,
        ``xmin:xmax:xip,...``) and how many rows lie above ``after`` (when given), all in one
        statement so that they describe one instant."""
        columns: list[Any] = [
            select(func.coalesce(func.max(event.c.seq), 0)).scalar_subquery().label("top"),
            cast(func.pg_current_snapshot(), Text).label("snapshot"),
        ]
        if after is not None:
            above = select(func.count()).where(event.c.seq > after).scalar_subquery()
            columns.append(above.label("above"))
        row = (await self.session.conn.execute(select(*columns))).one()._mapping
        above_count = None if after is None else int(row["above"])
        return int(row["top"]), str(row["snapshot"]), above_count

    async def range(
        self,
        *,
        after: int,
        upto: int,
        limit: int,
        workspace_id: str | None = None,
        conversation_id: str | None = None,
        types: Sequence[str] = (),
    ) -> list[Event]:
        """Events with ``after < seq <= upto`` in seq order, of one workspace or all."""
        query = select(event).where(event.c.seq > after, event.c.seq <= upto)
        if workspace_id is not None:
            query = query.where(event.c.workspace_id == workspace_id)
        if conversation_id is not None:
            query = query.where(event.c.conversation_id == conversation_id)
        if types:
            query = query.where(event.c.type.in_(types))
        rows = await self.session.conn.execute(query.order_by(event.c.seq).limit(limit))
        return [Event.model_validate(row._mapping) for row in rows]

    async def seq_of(self, workspace_id: str, event_id: str) -> int | None:
        result = await self.session.conn.execute(
            select(event.c.seq).where(event.c.workspace_id == workspace_id, event.c.id == event_id)
        )
        found = result.scalar_one_or_none()
        return None if found is None else int(found)
