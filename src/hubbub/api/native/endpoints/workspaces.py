"""Workspaces and their access keys. Keys are managed by an admin key of the same workspace;
new workspaces need the instance admin token (``HUBBUB_ADMIN_TOKEN``) or the CLI."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel

from hubbub.api.auth import require_workspace
from hubbub.api.native.deps import Admin, Reader, ReadSession, WriteSession
from hubbub.errors import Forbidden, Unauthenticated
from hubbub.workspaces.schemas import (
    AccessKey,
    AccessKeyCreate,
    CreatedWorkspace,
    IssuedKey,
    Workspace,
    WorkspaceCreate,
)
from hubbub.workspaces.service import workspace as workspace_service

router = APIRouter(tags=["workspaces"])


async def require_instance_admin(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    """A dependency declared before the session, so an anonymous caller is refused before a
    write transaction (on SQLite, the write lock) is taken for it."""
    expected: str | None = request.app.state.settings.admin_token
    if not expected:
        raise Forbidden("creating workspaces over HTTP is disabled; use 'hubbub workspace create'")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise Unauthenticated("the instance admin token is required")


InstanceAdmin = Annotated[None, Depends(require_instance_admin)]


class KeyList(BaseModel):
    data: list[AccessKey]
    # A workspace has few keys: the list is one page, and the field keeps the list shape.
    next_cursor: str | None = None


@router.post("/workspaces", status_code=201)
async def create_workspace(
    _: InstanceAdmin, data: WorkspaceCreate, session: WriteSession
) -> CreatedWorkspace:
    return await workspace_service.create(session, data)


@router.get("/workspaces/{workspace_id}")
async def get_workspace(workspace_id: str, actor: Reader, session: ReadSession) -> Workspace:
    require_workspace(actor, workspace_id)
    return await workspace_service.get_or_raise(session, workspace_id)


@router.get("/workspaces/{workspace_id}/keys")
async def list_keys(workspace_id: str, actor: Admin, session: ReadSession) -> KeyList:
    require_workspace(actor, workspace_id)
    return KeyList(data=await workspace_service.list_keys(session, workspace_id))


@router.post("/workspaces/{workspace_id}/keys", status_code=201)
async def create_key(
    workspace_id: str, data: AccessKeyCreate, actor: Admin, session: WriteSession
) -> IssuedKey:
    require_workspace(actor, workspace_id)
    return await workspace_service.create_key(session, workspace_id, data)


@router.delete("/workspaces/{workspace_id}/keys/{key_id}", status_code=204)
async def revoke_key(
    workspace_id: str, key_id: str, actor: Admin, session: WriteSession
) -> Response:
    require_workspace(actor, workspace_id)
    await workspace_service.revoke_key(session, workspace_id, key_id)
    return Response(status_code=204)
