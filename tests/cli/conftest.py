"""The real ``hubbub`` command in subprocesses, on a data directory of its own and, with
``HUBBUB_TEST_POSTGRES=1``, on a fresh PostgreSQL database too."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from hubbub.channels.schemas import ChannelCreate
from hubbub.channels.service import channel as channel_service
from hubbub.config import normalize_database_url
from hubbub.db.migrate import upgrade
from hubbub.db.uow import Database
from hubbub.workspaces.schemas import WorkspaceCreate
from hubbub.workspaces.service import workspace as workspace_service
from tests.conftest import engine_names
from tests.db.fresh import fresh_database_url

HUBBUB = Path(sys.executable).parent / "hubbub"
COMMAND_TIMEOUT = 120.0


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass(frozen=True)
class Cli:
    env: dict[str, str]
    database_url: str  # what the commands use, as a plain URL

    async def run(self, *args: str) -> Result:
        process = await asyncio.create_subprocess_exec(
            str(HUBBUB),
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode is not None
        return Result(process.returncode, stdout.decode(), stderr.decode())

    async def ok(self, *args: str) -> str:
        result = await self.run(*args)
        assert result.code == 0, f"hubbub {' '.join(args)} failed:\n{result.output}"
        return result.stdout

    async def json(self, *args: str) -> Any:
        stdout = await self.ok(*args, "--json")
        assert stdout.count("\n") == 1, f"expected one JSON line, got:\n{stdout}"
        return json.loads(stdout)

    async def all(self, *commands: list[str]) -> list[Result]:
        """Independent commands at once: each spends most of its time importing."""
        return list(await asyncio.gather(*(self.run(*command) for command in commands)))


def clean_environment(data_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUBBUB_")}
    env["HUBBUB_DATA_DIR"] = str(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)  # for the test's own connection to SQLite
    # Rich draws tables to the terminal's width; with no terminal, 80 columns would fold ids.
    env["COLUMNS"] = "250"
    return env


@asynccontextmanager
async def command_line(engine: str, directory: Path) -> AsyncIterator[Cli]:
    env = clean_environment(directory / "data")
    async with fresh_database_url(engine, directory) as url:
        if engine == "postgresql":
            env["HUBBUB_DATABASE_URL"] = url
        else:
            url = f"sqlite:///{directory / 'data' / 'hubbub.db'}"  # the default in the data dir
        yield Cli(env, url)


@pytest_asyncio.fixture(params=engine_names())
async def cli(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Cli]:
    """The command on each engine, on a database nothing has touched yet."""
    async with command_line(request.param, tmp_path) as cli:
        yield cli


@pytest_asyncio.fixture
async def sqlite_cli(tmp_path: Path) -> AsyncIterator[Cli]:
    """For what does not depend on the engine (argument checks), to keep subprocesses few."""
    async with command_line("sqlite", tmp_path) as cli:
        yield cli


@pytest_asyncio.fixture
async def cli_database(cli: Cli) -> AsyncIterator[Database]:
    """The database the commands work on, migrated and opened in the test process too, to set
    up what a test needs without paying a subprocess for it."""
    async with opened(cli) as database:
        yield database


@asynccontextmanager
async def opened(cli: Cli) -> AsyncIterator[Database]:
    database = Database(normalize_database_url(cli.database_url), pool_size=2)
    try:
        await upgrade(database)
        yield database
    finally:
        await database.dispose()


async def make_workspace(database: Database, name: str = "acme") -> str:
    async with database.transaction() as session:
        created = await workspace_service.create(session, WorkspaceCreate(name=name))
    return created.workspace.id


async def make_channel(database: Database, workspace_id: str, name: str = "support") -> str:
    async with database.transaction() as session:
        created = await channel_service.create(
            session, workspace_id, ChannelCreate(platform="sms", name=name)
        )
    return created.id
