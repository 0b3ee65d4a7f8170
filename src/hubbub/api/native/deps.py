"""FastAPI dependencies of the native API: the caller and its scope, plus the shared ones."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hubbub.api.auth import authenticate, require_scope, token_from_authorization
from hubbub.api.deps import (
    Cursors,
    DatabaseDep,
    ReadSession,
    WriteSession,
    get_cursor_codec,
    get_database,
)
from hubbub.workspaces.schemas import Actor

__all__ = [
    "Admin",
    "Cursors",
    "DatabaseDep",
    "ReadSession",
    "Reader",
    "WriteSession",
    "Writer",
    "get_cursor_codec",
    "get_database",
]


async def get_actor(request: Request) -> Actor:
    return await authenticate(get_database(request), token_from_authorization(request))


async def get_reader(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "read")


async def get_writer(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "write")


async def get_admin(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "admin")


Reader = Annotated[Actor, Depends(get_reader)]
Writer = Annotated[Actor, Depends(get_writer)]
Admin = Annotated[Actor, Depends(get_admin)]
