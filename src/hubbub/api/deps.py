"""FastAPI dependencies every surface shares: the database, the cursor codec and the unit of
work. Who the caller is and how they authenticate differs per surface and lives with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from hubbub.db.uow import Database, Session
from hubbub.kit.cursors import CursorCodec


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_cursor_codec(request: Request) -> CursorCodec:
    codec: CursorCodec = request.app.state.cursors
    return codec


async def write_session(request: Request) -> AsyncIterator[Session]:
    """The request's write transaction. ``scope="function"`` below makes it commit when the
    endpoint returns and before the response is sent: an acknowledged write is durable."""
    async with get_database(request).transaction() as session:
        yield session


async def read_session(request: Request) -> AsyncIterator[Session]:
    async with get_database(request).read() as session:
        yield session


# FastAPI runs a plain ``def`` dependency on a worker thread, a thread hop per request for
# what is an attribute read: the dependencies are coroutines.
async def _database(request: Request) -> Database:
    return get_database(request)


async def _cursor_codec(request: Request) -> CursorCodec:
    return get_cursor_codec(request)


DatabaseDep = Annotated[Database, Depends(_database)]
Cursors = Annotated[CursorCodec, Depends(_cursor_codec)]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]
ReadSession = Annotated[Session, Depends(read_session, scope="function")]
