"""Agents: create, read, list, update, delete, each change an event (``agent.created``,
``agent.updated`` with the changed fields, ``agent.deleted``). Surfaces delete an agent through
``ConversationService.delete_agent``, which first unassigns their conversations with an event
each (the foreign key alone would set ``assignee_id`` to null silently); their messages keep
their id as author."""

from __future__ import annotations

import builtins
from typing import Any

from hubbub.agents.repository import AgentRepository
from hubbub.agents.schemas import (
    AGENT_CREATED,
    AGENT_DELETED,
    AGENT_UPDATED,
    Agent,
    AgentCreate,
    AgentFilter,
    AgentUpdate,
)
from hubbub.db.uow import Session
from hubbub.errors import Conflict, InvalidCursor, InvalidInput, NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.ids import new_id

DEFAULT_PAGE = 50
MAX_PAGE = 500


class AgentService:
    async def create(self, session: Session, workspace_id: str, data: AgentCreate) -> Agent:
        now = utcnow()
        created = Agent(
            id=new_id(),
            workspace_id=workspace_id,
            **data.model_dump(exclude={"email"}),
            email=data.email.lower(),
            created_at=now,
            updated_at=now,
        )
        if not await AgentRepository(session).insert(created):
            raise _email_taken(created.email)
        await _record(session, workspace_id, AGENT_CREATED, created.id)
        return created

    async def get(self, session: Session, workspace_id: str, agent_id: str) -> Agent | None:
        return await AgentRepository(session).get(workspace_id, agent_id)

    async def get_or_raise(self, session: Session, workspace_id: str, agent_id: str) -> Agent:
        found = await self.get(session, workspace_id, agent_id)
        if found is None:
            raise NotFound("agent", agent_id)
        return found

    async def exists(self, session: Session, workspace_id: str, agent_id: str) -> bool:
        return await AgentRepository(session).exists(workspace_id, agent_id)

    async def require_assignable(self, session: Session, workspace_id: str, agent_id: str) -> Agent:
        """The agent, if a conversation may be given to them: an active agent of the
        workspace (another workspace's agent is simply not found)."""
        found = await self.get_or_raise(session, workspace_id, agent_id)
        if found.status != "active":
            raise UnprocessableEntity(
                f"agent {agent_id} is {found.status} and cannot be assigned", field="agent_id"
            )
        return found

    async def update(
        self, session: Session, workspace_id: str, agent_id: str, data: AgentUpdate
    ) -> Agent:
        current = await self.get_or_raise(session, workspace_id, agent_id)
        changes: dict[str, Any] = {
            name: value
            for name, value in data.model_dump(exclude_none=True).items()
            if getattr(current, name) != value
        }
        if "email" in changes:
            changes["email"] = changes["email"].lower()
            if changes["email"] == current.email:
                del changes["email"]
            elif await AgentRepository(session).id_of_email(workspace_id, changes["email"]):
                raise _email_taken(changes["email"])
        if not changes:
            return current
        fields = sorted(changes)
        changes["updated_at"] = utcnow()
        await AgentRepository(session).update(workspace_id, agent_id, changes)
        await _record(session, workspace_id, AGENT_UPDATED, agent_id, fields=fields)
        return current.model_copy(update=changes)

    async def delete(self, session: Session, workspace_id: str, agent_id: str) -> None:
        if not await AgentRepository(session).delete(workspace_id, agent_id):
            raise NotFound("agent", agent_id)
        await _record(session, workspace_id, AGENT_DELETED, agent_id)

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self,
        session: Session,
        workspace_id: str,
        filters: AgentFilter | None = None,
        *,
        limit: int = DEFAULT_PAGE,
        order: Order = "desc",
        cursor: Cursor | None = None,
    ) -> tuple[builtins.list[Agent], Cursor | None]:
        """A page in (created_at, id) order and the cursor of the next one (None at the end)."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if cursor is not None and cursor.order != order:
            raise InvalidCursor(f"the cursor was issued for order '{cursor.order}'", field="cursor")
        filters = filters or AgentFilter()
        if filters.email is not None:
            filters = filters.model_copy(update={"email": filters.email.strip().lower()})
        rows = await AgentRepository(session).list(
            workspace_id, filters, limit=limit + 1, order=order, after=cursor
        )
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], Cursor(created_us=to_micros(last.created_at), id=last.id, order=order)


def _email_taken(email: str) -> Conflict:
    return Conflict(f"an agent with e-mail {email} exists", details={"field": "email"})


async def _record(
    session: Session, workspace_id: str, type: str, agent_id: str, **data: Any
) -> None:
    await event_service.record(
        session, workspace_id, type=type, data={"agent_id": agent_id, **data}
    )


agent = AgentService()
