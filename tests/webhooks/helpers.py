"""Running a real webhook sender against the test database, and writing events to the log."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.events.schemas import Event
from hubbub.events.service import event as event_service
from hubbub.events.service import feed
from hubbub.webhooks.repository import WebhookRepository
from hubbub.webhooks.schemas import WebhookCreate, WebhookWithSecret
from hubbub.webhooks.sender import WebhookSender, new_client
from hubbub.webhooks.service import webhook as webhook_service
from tests.conftest import TEST_SECRET

POLL_INTERVAL = 0.02


def sender_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Fast retries so that tests see several attempts in well under a second."""
    values: dict[str, Any] = {
        "webhook_poll_seconds": 0.2,
        "webhook_retry_base_seconds": 0.05,
        "webhook_retry_cap_seconds": 0.3,
        "webhook_retry_window_seconds": 60.0,
        "webhook_timeout_seconds": 2.0,
        "webhook_concurrency": 8,
        **overrides,
    }
    return Settings(data_dir=data_dir, secret=TEST_SECRET, **values)


@contextlib.asynccontextmanager
async def running_sender(database: Database, settings: Settings) -> AsyncIterator[WebhookSender]:
    stop = asyncio.Event()
    async with new_client(settings) as client:
        sender = WebhookSender(database, settings, client)
        task = asyncio.create_task(sender.run(stop))
        try:
            yield sender
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)


async def subscribe(
    database: Database, workspace_id: str, url: str, **fields: Any
) -> WebhookWithSecret:
    async with database.transaction() as session:
        return await webhook_service.create(
            session, workspace_id, WebhookCreate.model_validate({"url": url, **fields})
        )


async def record_events(
    database: Database, workspace_id: str, plan: list[tuple[str | None, str]]
) -> list[Event]:
    """Record each ``(conversation_id, type)`` in its own transaction; the events, in order."""
    async with database.read() as session:
        before = await feed.latest_seq(session, workspace_id)
    for conversation_id, event_type in plan:
        async with database.transaction() as session:
            await event_service.record(
                session,
                workspace_id,
                type=event_type,
                conversation_id=conversation_id,
                data={"n": len(event_type)},
            )
    async with database.read() as session:
        return await feed.between(
            session, after=before, upto=2**62, workspace_id=workspace_id, limit=500
        )


async def eventually(check: Callable[[], Coroutine[Any, Any, bool]], within: float = 20.0) -> None:
    """Wait until ``check()`` holds (the sender works in the background)."""

    async def loop() -> None:
        # The state is in the database, not in an object one could wait on: poll it.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(POLL_INTERVAL)

    await asyncio.wait_for(loop(), within)


async def settled(database: Database, workspace_id: str, webhook_id: str, last_seq: int) -> bool:
    """The sender has planned every event up to ``last_seq`` and has nothing pending."""
    async with database.read() as session:
        stored = await WebhookRepository(session).get(workspace_id, webhook_id)
        pending = await WebhookRepository(session).list_deliveries(
            workspace_id, webhook_id, status="pending", limit=1, after=None, order="asc"
        )
    assert stored is not None
    return stored.cursor >= last_seq and not pending
