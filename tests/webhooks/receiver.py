"""A real HTTP receiver for outbound webhooks on a loopback port (aiohttp), and an
implementation of the Standard Webhooks verification written from the spec, independent of
``hubbub.webhooks.signing``."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web


def verify_standard_webhook(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's check per https://www.standardwebhooks.com: the secret after ``whsec_``
    is base64; the signed content is ``{id}.{timestamp}.{body}``; the header carries one or
    more space-separated ``v1,<base64 signature>``."""
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :])
    signed = b".".join(
        [headers["webhook-id"].encode(), headers["webhook-timestamp"].encode(), body]
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = self.json["data"]
        return event


# Decides the status answered to a request, from its JSON body.
Responder = Callable[[Any], int]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Receiver:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.respond: Responder = lambda body: 200
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.answered < 300]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_until(self, condition: Callable[[], bool], within: float = 20.0) -> None:
        async def satisfied() -> None:
            async with self._changed:
                await self._changed.wait_for(condition)

        await asyncio.wait_for(satisfied(), within)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = self.respond(orjson.loads(body))
        async with self._changed:
            self.received.append(
                Received({k.lower(): v for k, v in request.headers.items()}, body, status)
            )
            self._changed.notify_all()
        return web.Response(status=status, text="ok")
