from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from hubbub.db.models import media
from hubbub.db.uow import Session
from hubbub.media.schemas import Media


class MediaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, row: Media) -> None:
        await self.session.conn.execute(insert(media).values(**row.model_dump()))

    async def get(self, workspace_id: str, media_id: str) -> Media | None:
        found = (
            await self.session.conn.execute(
                select(media).where(media.c.workspace_id == workspace_id, media.c.id == media_id)
            )
        ).one_or_none()
        return None if found is None else Media.model_validate(found._mapping)

    async def complete_pending(
        self, workspace_id: str, media_id: str, values: dict[str, Any]
    ) -> bool:
        """Fill in an upload; False when the row is no longer pending (another upload won)."""
        result = await self.session.conn.execute(
            update(media)
            .where(
                media.c.workspace_id == workspace_id,
                media.c.id == media_id,
                media.c.status == "pending",
            )
            .values(**values)
        )
        return bool(result.rowcount)
