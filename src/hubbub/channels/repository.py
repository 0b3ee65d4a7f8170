from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from hubbub.channels.schemas import Channel
from hubbub.db.models import channel
from hubbub.db.prepared import prepared
from hubbub.db.uow import Session


class ChannelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(insert(channel).values(**values))

    async def get(self, workspace_id: str, channel_id: str) -> Channel | None:
        row = (
            await self.session.conn.execute(
                _GET_CHANNEL, {"workspace_id": workspace_id, "id": channel_id}
            )
        ).one_or_none()
        return None if row is None else Channel.model_validate(row._mapping)

    async def ids_for_platform(self, workspace_id: str, platform: str) -> list[str]:
        rows = await self.session.conn.execute(
            select(channel.c.id)
            .where(channel.c.workspace_id == workspace_id, channel.c.platform == platform)
            .order_by(channel.c.created_at, channel.c.id)
        )
        return list(rows.scalars())

    async def oldest(
        self, workspace_id: str, platform: str, *, name: str | None = None
    ) -> Channel | None:
        """The workspace's oldest channel of ``platform`` (called ``name``, when given)."""
        query = select(channel).where(
            channel.c.workspace_id == workspace_id, channel.c.platform == platform
        )
        if name is not None:
            query = query.where(channel.c.name == name)
        row = (
            await self.session.conn.execute(
                query.order_by(channel.c.created_at, channel.c.id).limit(1)
            )
        ).one_or_none()
        return None if row is None else Channel.model_validate(row._mapping)

    async def update(self, workspace_id: str, channel_id: str, values: dict[str, Any]) -> None:
        await self.session.conn.execute(
            update(channel)
            .where(channel.c.workspace_id == workspace_id, channel.c.id == channel_id)
            .values(**values)
        )

    async def delete(self, workspace_id: str, channel_id: str) -> bool:
        """True when a row was deleted."""
        result = await self.session.conn.execute(
            delete(channel).where(
                channel.c.workspace_id == workspace_id, channel.c.id == channel_id
            )
        )
        return bool(result.rowcount)

    async def with_identifier(self, platform: str, identifier: str) -> list[Channel]:
        """Channels of ``platform`` whose identifier is ``identifier`` (case-insensitively), in
        every workspace: an email reaching the SMTP listener names its channel by address."""
        rows = await self.session.conn.execute(
            select(channel)
            .where(
                channel.c.platform == platform,
                func.lower(channel.c.identifier) == identifier.lower(),
            )
            .order_by(channel.c.created_at, channel.c.id)
        )
        return [Channel.model_validate(row._mapping) for row in rows]

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(self, workspace_id: str, *, platform: str | None = None) -> list[Channel]:
        query = select(channel).where(channel.c.workspace_id == workspace_id)
        if platform is not None:
            query = query.where(channel.c.platform == platform)
        rows = await self.session.conn.execute(query.order_by(channel.c.created_at, channel.c.id))
        return [Channel.model_validate(row._mapping) for row in rows]


# Built once: every message create reads its channel.
_GET_CHANNEL = prepared(
    select(channel).where(
        channel.c.workspace_id == bindparam("workspace_id"), channel.c.id == bindparam("id")
    )
)
