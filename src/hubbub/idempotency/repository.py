from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Row

from hubbub.db.models import idempotency_key
from hubbub.db.uow import Session
from hubbub.kit.clock import utcnow


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def claim(self, workspace_id: str, key: str, fingerprint: str) -> bool:
        """True when the key is new. On PostgreSQL a concurrent claim of the same key waits
        here until the first transaction ends, then sees its row."""
        statement = (
            self.session.caps.insert(idempotency_key)
            .values(
                workspace_id=workspace_id, key=key, fingerprint=fingerprint, created_at=utcnow()
            )
            .on_conflict_do_nothing()
        )
        result = await self.session.conn.execute(statement)
        return bool(result.rowcount)

    async def get(
        self, workspace_id: str, key: str
    ) -> Row[tuple[str, int | None, str | None]] | None:
        result = await self.session.conn.execute(
            select(
                idempotency_key.c.fingerprint,
                idempotency_key.c.response_status,
                idempotency_key.c.response_body,
            ).where(idempotency_key.c.workspace_id == workspace_id, idempotency_key.c.key == key)
        )
        return result.one_or_none()

    async def store_response(self, workspace_id: str, key: str, status: int, body: str) -> None:
        await self.session.conn.execute(
            update(idempotency_key)
            .where(idempotency_key.c.workspace_id == workspace_id, idempotency_key.c.key == key)
            .values(response_status=status, response_body=body)
        )
