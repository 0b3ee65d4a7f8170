"""Agents: the people of a workspace who answer its conversations. An agent can be assigned
conversations and write messages as their author (``author: {type: agent, id}``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, Field, StringConstraints

AgentRole = Literal["agent", "admin"]
# A disabled agent stays (their messages and history keep naming them) but can no longer be
# assigned.
AgentStatus = Literal["active", "disabled"]
AGENT_CREATED: Final = "agent.created"
AGENT_UPDATED: Final = "agent.updated"
AGENT_DELETED: Final = "agent.deleted"

# Stored lower-case (``AgentService`` normalizes it), so unique per workspace however typed.
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Agent(BaseModel):
    id: str
    workspace_id: str
    name: str
    email: str
    role: AgentRole
    status: AgentStatus
    created_at: datetime
    updated_at: datetime


class AgentCreate(BaseModel):
    name: Name
    email: Email
    role: AgentRole = "agent"
    status: AgentStatus = "active"


class AgentUpdate(BaseModel):
    """Fields left out stay as they are."""

    name: Name | None = None
    email: Email | None = None
    role: AgentRole | None = None
    status: AgentStatus | None = None


class AgentFilter(BaseModel):
    status: AgentStatus | None = None
    role: AgentRole | None = None
    email: str | None = Field(default=None, max_length=320)
