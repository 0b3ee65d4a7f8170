from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Scope = Literal["read", "write", "admin"]
ALL_SCOPES: tuple[Scope, ...] = ("read", "write", "admin")


class Workspace(BaseModel):
    id: str
    name: str
    created_at: datetime
    updated_at: datetime


class WorkspaceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class AccessKey(BaseModel):
    id: str
    workspace_id: str
    name: str
    scopes: list[Scope]
    created_at: datetime
    revoked_at: datetime | None = None


class AccessKeyCreate(BaseModel):
    name: str = Field(default="key", min_length=1, max_length=200)
    scopes: list[Scope] = Field(default_factory=lambda: list(ALL_SCOPES), min_length=1)


class IssuedKey(BaseModel):
    """A new key with its secret: the only time the secret is shown."""

    key: AccessKey
    token: str


class CreatedWorkspace(BaseModel):
    workspace: Workspace
    admin_key: IssuedKey


class Actor(BaseModel):
    """Who is calling: a key of one workspace with its scopes."""

    workspace_id: str
    key_id: str
    scopes: frozenset[Scope]

    def can(self, scope: Scope) -> bool:
        # admin implies write, write implies read.
        rank = {"read": 0, "write": 1, "admin": 2}
        return any(rank[held] >= rank[scope] for held in self.scopes)
