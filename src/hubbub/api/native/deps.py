"""FastAPI dependencies of the native API: the database, the caller, and the unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from hubbub.api.auth import authenticate, require_scope, token_from_authorization
from hubbub.db.uow import Database, Session
from hubbub.kit.cursors import CursorCodec
from hubbub.workspaces.schemas import Actor


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_cursor_codec(request: Request) -> CursorCodec:
    codec: CursorCodec = request.app.state.cursors
    return codec


async def get_actor(request: Request) -> Actor:
    return await authenticate(get_database(request), token_from_authorization(request))


async def get_reader(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "read")


async def get_writer(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "write")


async def get_admin(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    return require_scope(actor, "admin")


async def write_session(request: Request) -> AsyncIterator[Session]:
    """The request's write transaction. ``scope="function"`` below makes it commit when the
    endpoint returns and before the response is sent: an acknowledged write is durable."""
    async with get_database(request).transaction() as session:
        yield session


async def read_session(request: Request) -> AsyncIterator[Session]:
    async with get_database(request).read() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
Cursors = Annotated[CursorCodec, Depends(get_cursor_codec)]
Reader = Annotated[Actor, Depends(get_reader)]
Writer = Annotated[Actor, Depends(get_writer)]
Admin = Annotated[Actor, Depends(get_admin)]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]
ReadSession = Annotated[Session, Depends(read_session, scope="function")]
