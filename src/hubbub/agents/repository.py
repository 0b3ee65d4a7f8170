from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, literal, select, update

from hubbub.agents.schemas import Agent, AgentFilter
from hubbub.db.keyset import keyset
from hubbub.db.models import agent
from hubbub.db.prepared import prepared
from hubbub.db.uow import Session
from hubbub.kit.cursors import Cursor, Order


class AgentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def insert(self, created: Agent) -> bool:
        """False when the e-mail is taken in the workspace (nothing inserted)."""
        statement = (
            self.session.caps.insert(agent)
            .values(**created.model_dump())
            .on_conflict_do_nothing(index_elements=["workspace_id", "email"])
        )
        return bool((await self.session.conn.execute(statement)).rowcount)

    async def get(self, workspace_id: str, agent_id: str) -> Agent | None:
        row = (
            await self.session.conn.execute(
                select(agent).where(agent.c.workspace_id == workspace_id, agent.c.id == agent_id)
            )
        ).one_or_none()
        return None if row is None else Agent.model_validate(row._mapping)

    async def exists(self, workspace_id: str, agent_id: str) -> bool:
        """One primary-key read: a message's author check runs it on the create path."""
        found = await self.session.conn.execute(
            _AGENT_EXISTS, {"b_id": agent_id, "b_workspace_id": workspace_id}
        )
        return found.first() is not None

    async def id_of_email(self, workspace_id: str, email: str) -> str | None:
        return (
            await self.session.conn.execute(
                select(agent.c.id).where(
                    agent.c.workspace_id == workspace_id, agent.c.email == email
                )
            )
        ).scalar_one_or_none()

    async def update(self, workspace_id: str, agent_id: str, values: dict[str, Any]) -> None:
        await self.session.conn.execute(
            update(agent)
            .where(agent.c.workspace_id == workspace_id, agent.c.id == agent_id)
            .values(**values)
        )

    async def delete(self, workspace_id: str, agent_id: str) -> bool:
        result = await self.session.conn.execute(
            delete(agent).where(agent.c.workspace_id == workspace_id, agent.c.id == agent_id)
        )
        return bool(result.rowcount)

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self,
        workspace_id: str,
        filters: AgentFilter,
        *,
        limit: int,
        order: Order,
        after: Cursor | None,
    ) -> list[Agent]:
        query = select(agent).where(agent.c.workspace_id == workspace_id)
        for name, value in filters.model_dump(exclude_none=True).items():
            query = query.where(agent.c[name] == value)
        query = keyset(query, agent.c.created_at, agent.c.id, after, order)
        rows = await self.session.conn.execute(query.limit(limit))
        return [Agent.model_validate(row._mapping) for row in rows]


_AGENT_EXISTS = prepared(
    select(literal(1)).where(
        agent.c.id == bindparam("b_id"), agent.c.workspace_id == bindparam("b_workspace_id")
    )
)
