"""All SQL on ``parked_status``: status callbacks waiting for the provider id they name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert

from hubbub.db.models import parked_status
from hubbub.db.uow import Session


class ParkedStatusRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(insert(parked_status).values(**values))

    async def take(
        self, workspace_id: str, channel_id: str, provider_message_id: str
    ) -> list[dict[str, Any]]:
        """Delete and return the statuses parked for the provider id on the channel."""
        rows = await self.session.conn.execute(
            delete(parked_status)
            .where(
                parked_status.c.channel_id == channel_id,
                parked_status.c.provider_message_id == provider_message_id,
                parked_status.c.workspace_id == workspace_id,
            )
            .returning(*parked_status.c)
        )
        return [dict(row._mapping) for row in rows]

    async def purge_received_before(self, cutoff: datetime) -> int:
        result = await self.session.conn.execute(
            delete(parked_status).where(parked_status.c.received_at < cutoff)
        )
        return int(result.rowcount)
