"""What the provider simulators share: injected failures, delayed signed callbacks, and a
way to serve a simulator on a real loopback port.

Simulators are small ASGI apps that speak a provider's HTTP API closely enough for Hubbub's
connectors (same paths, auth, answer and error shapes), record what they accepted, and call
Hubbub back the way the provider would. Tests and demos start them with ``serve`` below, or
``uvicorn 'hubbub.simulators.twilio:create_app' --factory``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger(__name__)


@dataclass
class Fault:
    status: int
    remaining: int


@dataclass
class Faults:
    """``fail_next(3, 500)``: the next three API calls answer 500 in the provider's error
    shape, before anything is recorded."""

    queue: list[Fault] = field(default_factory=list)

    def fail_next(self, count: int, status: int = 500) -> None:
        self.queue.append(Fault(status, count))

    def take(self) -> int | None:
        while self.queue and self.queue[0].remaining <= 0:
            self.queue.pop(0)
        if not self.queue:
            return None
        self.queue[0].remaining -= 1
        return self.queue[0].status


@dataclass(frozen=True)
class CallbackAttempt:
    url: str
    status: str
    response_status: int | None  # None when Hubbub could not be reached


Steps = list[tuple[str, Callable[[], Awaitable[httpx.Response]]]]


class Callbacks:
    """Delivers provider callbacks in the background, one chain of statuses per message, each
    step ``delay`` seconds after the previous one. ``drain()`` waits for all of them, so tests
    wait for an outcome, not for a guessed amount of time. With ``hold`` set, chains wait until
    ``release()`` (a test can then be sure the send was recorded before its statuses arrive)."""

    def __init__(self, http: httpx.AsyncClient | None, delay: float) -> None:
        self.http = http
        self.delay = delay
        self.hold = False
        self.held: list[Steps] = []
        self.attempts: list[CallbackAttempt] = []
        self.tasks: set[asyncio.Task[None]] = set()

    def release(self) -> None:
        held, self.held = self.held, []
        for steps in held:
            self._start(steps)

    def schedule(self, steps: Steps) -> None:
        if self.hold:
            self.held.append(steps)
        else:
            self._start(steps)

    def _start(self, steps: Steps) -> None:
        task = asyncio.create_task(self._run(steps))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, steps: Steps) -> None:
        for status, post in steps:
            if self.delay:
                await asyncio.sleep(self.delay)
            try:
                response = await post()
            except httpx.HTTPError as error:
                log.warning("simulator callback %s failed: %s", status, error)
                self.attempts.append(CallbackAttempt(str(error), status, None))
                continue
            self.attempts.append(CallbackAttempt(str(response.url), status, response.status_code))

    def client(self) -> httpx.AsyncClient:
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=10.0)
        return self.http

    async def drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


def control_routes(faults: Faults, snapshot: Callable[[], object]) -> list[Route]:
    """``POST /_simulator/fail {"count", "status"}`` and ``GET /_simulator/messages``: the
    same controls over HTTP, for a simulator running in another process."""

    async def fail(request: Request) -> Response:
        body = await request.json()
        faults.fail_next(int(body.get("count", 1)), int(body.get("status", 500)))
        return JSONResponse({"ok": True})

    async def messages(request: Request) -> Response:
        return JSONResponse(snapshot())

    return [
        Route("/_simulator/fail", fail, methods=["POST"]),
        Route("/_simulator/messages", messages, methods=["GET"]),
    ]


@contextlib.asynccontextmanager
async def serve(app: Callable[..., Awaitable[None]], host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this event loop; yields its base
    URL and stops the server on exit."""
    config = uvicorn.Config(app, host=host, port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises why it could not start
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
