"""``/v1/agents``: the people who answer the workspace's conversations. Reading them takes the
``read`` scope; creating, changing and deleting them takes ``admin``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from hubbub.agents.schemas import (
    Agent,
    AgentCreate,
    AgentFilter,
    AgentRole,
    AgentStatus,
    AgentUpdate,
)
from hubbub.agents.service import DEFAULT_PAGE, MAX_PAGE
from hubbub.agents.service import agent as agent_service
from hubbub.api.native.deps import Admin, Cursors, Reader, ReadSession, WriteSession
from hubbub.conversations.service import conversation as conversation_service
from hubbub.kit.cursors import Order

router = APIRouter(tags=["agents"])


class AgentList(BaseModel):
    data: list[Agent]
    next_cursor: str | None = None


@router.post("/agents", status_code=status.HTTP_201_CREATED)
async def create_agent(body: AgentCreate, actor: Admin, session: WriteSession) -> Agent:
    return await agent_service.create(session, actor.workspace_id, body)


@router.get("/agents")
async def list_agents(
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    status: AgentStatus | None = None,
    role: AgentRole | None = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    order: Order = "desc",
    cursor: str | None = None,
) -> AgentList:
    page, after = await agent_service.list(
        session,
        actor.workspace_id,
        AgentFilter(status=status, role=role, email=email),
        limit=limit,
        order=order,
        cursor=cursors.decode_optional(cursor),
    )
    return AgentList(data=page, next_cursor=cursors.encode_optional(after))


@router.get("/agents/{agent_id}")
async def get_agent(agent_id: str, actor: Reader, session: ReadSession) -> Agent:
    return await agent_service.get_or_raise(session, actor.workspace_id, agent_id)


@router.patch("/agents/{agent_id}")
async def update_agent(
    agent_id: str, body: AgentUpdate, actor: Admin, session: WriteSession
) -> Agent:
    return await agent_service.update(session, actor.workspace_id, agent_id, body)


@router.delete("/agents/{agent_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_agent(agent_id: str, actor: Admin, session: WriteSession) -> Response:
    await conversation_service.delete_agent(session, actor.workspace_id, agent_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
