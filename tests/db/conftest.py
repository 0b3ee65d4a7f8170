from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from hubbub.config import normalize_database_url
from hubbub.db.uow import Database
from tests.conftest import engine_names
from tests.db.fresh import fresh_database_url


@pytest_asyncio.fixture(params=engine_names())
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database of its own with no schema yet, on each engine."""
    async with fresh_database_url(request.param, tmp_path) as url:
        database = Database(normalize_database_url(url), pool_size=2)
        try:
            yield database
        finally:
            await database.dispose()
