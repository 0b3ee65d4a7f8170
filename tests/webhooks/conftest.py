from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.webhooks.receiver import Receiver


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.stop()
