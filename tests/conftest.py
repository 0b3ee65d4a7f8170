"""Fixtures: a real database per engine (SQLite always; PostgreSQL when
``HUBBUB_TEST_POSTGRES=1``, and then it must be reachable), migrated once per session with
Alembic. Tests isolate themselves by creating their own workspace: nothing crosses workspaces,
so no test sees another's rows and nothing needs cleaning up."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from hubbub.app import create_app
from hubbub.config import Settings
from hubbub.db.migrate import upgrade
from hubbub.db.uow import Database, Session
from hubbub.kit.clock import ManualClock
from hubbub.workspaces.schemas import WorkspaceCreate
from hubbub.workspaces.service import workspace as workspace_service

POSTGRES_ADMIN_URL = os.environ.get(
    "HUBBUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_SECRET = "test-secret-for-cursors-and-urls"


def engine_names() -> list[str]:
    names = ["sqlite"]
    if os.environ.get("HUBBUB_TEST_POSTGRES") == "1":
        names.append("postgresql")
    return names


@pytest_asyncio.fixture(scope="session", params=engine_names())
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "hubbub.db"
        db = Database(f"sqlite+aiosqlite:///{path}")
        await upgrade(db)
        yield db
        await db.dispose()
        return
    name = f"hubbub_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    db = Database(f"{base}/{name}")
    await upgrade(db)
    yield db
    await db.dispose()
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("data")
    return Settings(data_dir=data_dir, secret=TEST_SECRET)


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """The process's clock, standing still at the real time of the test's start until the test
    sets or advances it (instead of sleeping until two timestamps differ); the system clock
    again afterwards. Only what Hubbub dates reads it (``utcnow``): timers keep the real time."""
    with ManualClock().installed() as manual:
        yield manual


@pytest.fixture(scope="session")
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database=database)


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hubbub.test") as client:
        yield client


@dataclass(frozen=True)
class WorkspaceFixture:
    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_workspace(database: Database, name: str = "test") -> WorkspaceFixture:
    async with database.transaction() as session:
        created = await workspace_service.create(session, WorkspaceCreate(name=name))
    return WorkspaceFixture(id=created.workspace.id, token=created.admin_key.token)


@pytest_asyncio.fixture
async def workspace(database: Database) -> WorkspaceFixture:
    return await make_workspace(database, "primary")


@pytest_asyncio.fixture
async def other_workspace(database: Database) -> WorkspaceFixture:
    return await make_workspace(database, "other")


@pytest_asyncio.fixture
async def session(
    database: Database, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> AsyncIterator[Session]:
    """A write transaction for service and repository tests; committed at the end (tests keep
    to their own workspace, so what they leave behind is invisible to the others).

    It depends on the workspace fixtures so they are created first: on SQLite this transaction
    holds the process's write lock, and a fixture opening another write after it would wait
    forever."""
    async with database.transaction() as session:
        yield session
