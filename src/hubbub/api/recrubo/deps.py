"""Who is calling: ``Authorization: Bearer <Hubbub access key>`` (Recrubo's organization token
is a Hubbub key of the workspace)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hubbub.api.auth import authenticate, require_scope, token_from_authorization
from hubbub.api.deps import get_database
from hubbub.workspaces.schemas import Actor


async def get_actor(request: Request) -> Actor:
    return await authenticate(get_database(request), token_from_authorization(request))


async def get_reader(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "read")


async def get_writer(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "write")


Reader = Annotated[Actor, Depends(get_reader)]
Writer = Annotated[Actor, Depends(get_writer)]


def base_url(request: Request) -> str:
    """Where this server is reached, for the links it hands out (media downloads)."""
    return str(request.base_url).rstrip("/")
