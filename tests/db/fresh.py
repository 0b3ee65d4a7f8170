"""Empty databases for tests that need one of their own (migrations, the CLI): a SQLite file
in a temporary directory, or a new PostgreSQL database dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from tests.conftest import POSTGRES_ADMIN_URL


@asynccontextmanager
async def fresh_database_url(engine: str, directory: Path) -> AsyncIterator[str]:
    """A plain URL (``sqlite:///...`` or ``postgresql://...``), as a user would configure."""
    if engine == "sqlite":
        yield f"sqlite:///{directory / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"hubbub_fresh_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
