"""Reading a webchat ``listen`` stream as a Chat client does: signals are unnamed SSE messages
(``id:`` + ``data: {type, data}``; a Chat client listens to no ``event:``), pings skipped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from tests.api.webchat.conftest import Visitor


@dataclass(frozen=True)
class Signal:
    id: int
    type: str
    data: dict[str, Any]


class SignalReader:
    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        self.lines = response.aiter_lines()

    async def connected(self) -> None:
        async def find() -> None:
            async for line in self.lines:
                if line.startswith(": connected"):
                    return

        await asyncio.wait_for(find(), 10)

    async def next(self, within: float = 10.0) -> Signal:
        signal = await asyncio.wait_for(self._next(), within)
        assert signal is not None, "the stream ended"
        return signal

    async def ended(self, within: float = 10.0) -> None:
        signal = await asyncio.wait_for(self._next(), within)
        assert signal is None, f"a signal instead of the end: {signal}"

    async def _next(self) -> Signal | None:
        fields: dict[str, str] = {}
        async for line in self.lines:
            if line.startswith(":"):
                continue
            if line:
                name, _, value = line.partition(":")
                assert name != "event", "Chat clients listen to unnamed messages only"
                fields[name] = value.removeprefix(" ")
                continue
            signal = orjson.loads(fields.pop("data", "null"))
            if signal is None or signal["type"] == "ping":
                fields.clear()
                continue
            return Signal(int(fields["id"]), signal["type"], signal["data"])
        return None


@contextlib.asynccontextmanager
async def listening(
    user: Visitor, conversation_id: str, **headers: str
) -> AsyncIterator[SignalReader]:
    """The user's listen stream of the conversation (``headers``: e.g. ``Last-Event-ID``)."""
    path = f"{user.base}/conversations/{conversation_id}/listen"
    wanted = {**user.headers, "Accept": "text/event-stream", **headers}
    async with user.client.stream("GET", path, headers=wanted) as response:
        yield SignalReader(response)
