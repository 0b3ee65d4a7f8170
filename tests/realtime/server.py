"""Hubbub served by uvicorn on a loopback port (SSE needs real HTTP: ASGI test transports
buffer whole responses), and a small Server-Sent Events reader."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn

from hubbub.app import create_app
from hubbub.config import Settings
from hubbub.db.uow import Database
from tests.conftest import TEST_SECRET
from tests.webhooks.receiver import free_port


@contextlib.asynccontextmanager
async def serving(database: Database, data_dir: Path, **overrides: Any) -> AsyncIterator[str]:
    """The base URL of a running server; its lifespan runs the API loops (relay, hub). The
    hub's poll is slow on purpose: only wake-ups (after commit, NOTIFY) can be quick."""
    values: dict[str, Any] = {
        "run_worker": False,
        "realtime_poll_seconds": 30.0,
        "sse_keepalive_seconds": 0.3,
        **overrides,
    }
    settings = Settings(data_dir=data_dir, secret=TEST_SECRET, **values)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, database=database),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


@dataclass(frozen=True)
class ServerSentEvent:
    id: int
    type: str
    data: dict[str, Any]


class EventReader:
    """Reads an open ``text/event-stream`` response event by event."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200, response.status_code
        assert response.headers["content-type"].startswith("text/event-stream")
        self.lines = response.aiter_lines()
        self.comments: list[str] = []

    async def next(self, within: float = 10.0) -> ServerSentEvent:
        return await asyncio.wait_for(self._next(), within)

    async def take(self, count: int, within: float = 10.0) -> list[ServerSentEvent]:
        return [await self.next(within) for _ in range(count)]

    async def comment(self, text: str, within: float = 10.0) -> None:
        """Read on until a comment line with ``text`` (events meanwhile are an error)."""

        async def find() -> None:
            async for line in self.lines:
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    if text in line:
                        return
                elif line.startswith(("id:", "data:", "event:")):
                    raise AssertionError(f"unexpected event line {line!r}")

        await asyncio.wait_for(find(), within)

    async def _next(self) -> ServerSentEvent:
        fields: dict[str, str] = {}
        async for line in self.lines:
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            if not line:
                if "data" in fields:
                    return ServerSentEvent(
                        int(fields["id"]), fields["event"], orjson.loads(fields["data"])
                    )
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise AssertionError("the stream ended")
