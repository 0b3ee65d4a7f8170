"""Who calls the Bird dialect: ``Authorization: AccessKey <key>`` (or Bearer), and the
``{workspaceId}`` in the path must be the key's own workspace."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hubbub.api.auth import authenticate, require_scope, require_workspace, token_from_authorization
from hubbub.api.deps import get_database
from hubbub.workspaces.schemas import Actor


async def get_actor(request: Request, workspaceId: str) -> Actor:
    actor = await authenticate(get_database(request), token_from_authorization(request))
    return require_workspace(actor, workspaceId)


async def get_reader(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "read")


async def get_writer(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "write")


Reader = Annotated[Actor, Depends(get_reader)]
Writer = Annotated[Actor, Depends(get_writer)]
