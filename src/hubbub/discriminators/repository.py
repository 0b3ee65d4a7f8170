from __future__ import annotations

from sqlalchemy import delete, select

from hubbub.db.models import discriminator
from hubbub.db.uow import Session
from hubbub.kit.clock import utcnow


class DiscriminatorRepository:
    """Claims on (workspace, digest): the primary key settles concurrent get-or-create."""

    def __init__(self, session: Session) -> None:
        self.session = session

    async def claim(self, workspace_id: str, digest: str, *, kind: str, target_id: str) -> bool:
        """True when this call claimed the digest for ``target_id``; False when it was taken."""
        statement = (
            self.session.caps.insert(discriminator)
            .values(
                workspace_id=workspace_id,
                digest=digest,
                kind=kind,
                target_id=target_id,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing()
        )
        result = await self.session.conn.execute(statement)
        return bool(result.rowcount)

    async def get_target(self, workspace_id: str, digest: str) -> str | None:
        row = await self.session.conn.execute(
            select(discriminator.c.target_id).where(
                discriminator.c.workspace_id == workspace_id, discriminator.c.digest == digest
            )
        )
        return row.scalar_one_or_none()

    async def release_target(self, target_id: str) -> None:
        await self.session.conn.execute(
            delete(discriminator).where(discriminator.c.target_id == target_id)
        )
