from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from hubbub.db.models import access_key, workspace
from hubbub.db.uow import Session
from hubbub.workspaces.schemas import AccessKey, Workspace


class WorkspaceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(insert(workspace).values(**values))

    async def get(self, workspace_id: str) -> Workspace | None:
        row = (
            await self.session.conn.execute(select(workspace).where(workspace.c.id == workspace_id))
        ).one_or_none()
        return None if row is None else Workspace.model_validate(row._mapping)

    async def list(self) -> list[Workspace]:
        rows = await self.session.conn.execute(select(workspace).order_by(workspace.c.created_at))
        return [Workspace.model_validate(row._mapping) for row in rows]


class AccessKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(insert(access_key).values(**values))

    async def get_with_hash(self, key_id: str) -> tuple[AccessKey, str] | None:
        row = (
            await self.session.conn.execute(select(access_key).where(access_key.c.id == key_id))
        ).one_or_none()
        if row is None:
            return None
        return AccessKey.model_validate(row._mapping), row.secret_hash

    async def get(self, workspace_id: str, key_id: str) -> AccessKey | None:
        row = (
            await self.session.conn.execute(
                select(access_key).where(
                    access_key.c.id == key_id, access_key.c.workspace_id == workspace_id
                )
            )
        ).one_or_none()
        return None if row is None else AccessKey.model_validate(row._mapping)

    async def list(self, workspace_id: str) -> list[AccessKey]:
        rows = await self.session.conn.execute(
            select(access_key)
            .where(access_key.c.workspace_id == workspace_id)
            .order_by(access_key.c.created_at, access_key.c.id)
        )
        return [AccessKey.model_validate(row._mapping) for row in rows]

    async def revoke(self, workspace_id: str, key_id: str, values: dict[str, Any]) -> None:
        await self.session.conn.execute(
            update(access_key)
            .where(access_key.c.id == key_id, access_key.c.workspace_id == workspace_id)
            .values(**values)
        )
