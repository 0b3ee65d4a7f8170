from __future__ import annotations

import pytest_asyncio

from hubbub.db.uow import Session
from tests.conftest import WorkspaceFixture
from tests.messages.factories import Scene, make_scene


@pytest_asyncio.fixture
async def scene(workspace: WorkspaceFixture, session: Session) -> Scene:
    """An SMS conversation in a fresh workspace, built inside the test's ``session`` (the
    workspace is committed first: on SQLite ``session`` holds the only write lock)."""
    return await make_scene(session, workspace.id)
