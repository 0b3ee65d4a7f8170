from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from hubbub.db.uow import Database, Session
from tests.conftest import WorkspaceFixture, make_workspace
from tests.messages.dataset import Dataset, build
from tests.messages.factories import Scene, make_scene


@pytest_asyncio.fixture
async def scene(workspace: WorkspaceFixture, session: Session) -> Scene:
    """An SMS conversation in a fresh workspace, built inside the test's ``session`` (the
    workspace is committed first: on SQLite ``session`` holds the only write lock)."""
    return await make_scene(session, workspace.id)


@pytest_asyncio.fixture(scope="module")
async def dataset(database: Database) -> AsyncIterator[Dataset]:
    workspace = await make_workspace(database, "listing")
    async with database.transaction() as session:
        ds = await build(session, workspace.id)
    yield ds
