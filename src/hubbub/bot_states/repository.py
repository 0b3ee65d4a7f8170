"""All SQL on bot states. A state is found by ``(workspace, type, owner, name)``, which the
unique constraint keeps to one row; lapsed rows are returned too (the service decides)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from hubbub.bot_states.schemas import BotState, StateKey
from hubbub.db.models import bot_state
from hubbub.db.uow import Session


class BotStateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def get(self, workspace_id: str, key: StateKey) -> BotState | None:
        c = bot_state.c
        row = (
            await self.session.conn.execute(
                select(bot_state).where(
                    c.workspace_id == workspace_id,
                    c.type == key.type,
                    c.owner_id == key.owner_id,
                    c.name == key.name,
                )
            )
        ).one_or_none()
        return None if row is None else BotState.model_validate(row._mapping)

    async def insert_if_absent(self, state: BotState) -> bool:
        """Insert unless a row with the same key exists (a concurrent writer won)."""
        statement = (
            self.session.caps.insert(bot_state)
            .values(**state.model_dump())
            .on_conflict_do_nothing(index_elements=["workspace_id", "type", "owner_id", "name"])
        )
        result = await self.session.conn.execute(statement)
        return bool(result.rowcount)

    async def update(self, workspace_id: str, state_id: str, values: dict[str, Any]) -> None:
        await self.session.conn.execute(
            update(bot_state)
            .where(bot_state.c.workspace_id == workspace_id, bot_state.c.id == state_id)
            .values(**values)
        )

    async def delete(self, workspace_id: str, state_id: str) -> None:
        await self.session.conn.execute(
            delete(bot_state).where(
                bot_state.c.workspace_id == workspace_id, bot_state.c.id == state_id
            )
        )
