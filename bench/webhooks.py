"""Webhook fan-out: how many events per second the server's webhook sender delivers, signed,
to a local receiver (aiohttp on loopback, answering 204 at once).

``webhook_fanout(server, seconds=..., subscriptions=...)`` subscribes ``subscriptions`` webhooks
to the receiver, creates messages through the API for ``seconds`` (every message appends
events to the log), then waits until the receiver has every delivery. The rate counts
deliveries (events x subscriptions) from the first write to the last delivery, so it measures
what the sender sustains while the API is writing, not an idle drain.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import orjson
from aiohttp import web

from bench.server import HOST, Server, free_port

DRAIN_TIMEOUT_S = 120.0
# Each writer posts into its own conversation: deliveries of one conversation go out one at a
# time, in order, so the conversations are what the sender can work on in parallel.
WRITERS = 8


@dataclass
class _Receiver:
    received: int = 0
    last_at: float = 0.0
    done: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int | None = None
    seen: set[tuple[str, str]] = field(default_factory=set)
    duplicates: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        key = (request.match_info["hook"], request.headers["webhook-id"])
        if key in self.seen:
            self.duplicates += 1
        self.seen.add(key)
        self.received += 1
        self.last_at = time.perf_counter()
        if self.expected is not None and self.received >= self.expected:
            self.done.set()
        return web.Response(status=204)


async def webhook_fanout(
    server: Server, *, seconds: float, subscriptions: int = 4
) -> dict[str, float | int]:
    """Deliveries per second from the webhook sender to a local receiver (see the module)."""
    receiver = _Receiver()
    app = web.Application()
    app.router.add_post("/hook/{hook}", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, HOST, port).start()
    admin = server.connection()
    try:
        hook_ids = [
            (await admin.post("/v1/webhooks", {"url": f"http://{HOST}:{port}/hook/{n}"}))
            .expect(201)
            .json()["id"]
            for n in range(subscriptions)
        ]
        started = time.perf_counter()
        events = await _write_for(server, seconds)
        receiver.expected = events * subscriptions
        if receiver.received >= receiver.expected:
            receiver.done.set()
        await asyncio.wait_for(receiver.done.wait(), DRAIN_TIMEOUT_S)
        elapsed = receiver.last_at - started
    finally:
        await admin.close()
        await runner.cleanup()
    cleanup = server.connection()  # a fresh one: the server drops idle keep-alive connections
    try:
        for hook_id in hook_ids:
            (await cleanup.request("DELETE", f"/v1/webhooks/{hook_id}")).expect(204)
    finally:
        await cleanup.close()
    return {
        "subscriptions": subscriptions,
        "events": events,
        "deliveries": receiver.received,
        "duplicates": receiver.duplicates,
        "seconds": round(elapsed, 3),
        "deliveries_per_s": round(receiver.received / elapsed, 1) if elapsed > 0 else 0.0,
    }


async def _write_for(server: Server, seconds: float) -> int:
    """Create messages from a few connections for ``seconds``; the events the log gained.
    The conversations have no channel, so nothing is sent and no status events trickle in
    afterwards: the log stops growing when the writers stop."""
    first = await _log_end(server)
    deadline = time.perf_counter() + seconds

    async def writer() -> None:
        conn = server.connection()
        try:
            conversation = (await conn.post("/v1/conversations", {})).expect(201).json()["id"]
            body = orjson.dumps(
                {"conversation_id": conversation, "payload": {"type": "text", "text": "x"}}
            )
            while time.perf_counter() < deadline:
                (await conn.request("POST", "/v1/messages", body)).expect(201)
        finally:
            await conn.close()

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    return await _count_after(server, first)


async def _log_end(server: Server) -> int:
    conn = server.connection()
    try:
        after = 0
        while True:
            page = (await conn.get(f"/v1/events?after={after}&limit=500")).expect(200).json()
            if page["data"]:
                after = page["data"][-1]["seq"]
            if page["next_after"] is None:
                return after
    finally:
        await conn.close()


async def _count_after(server: Server, after: int) -> int:
    conn = server.connection()
    try:
        count = 0
        while True:
            page = (await conn.get(f"/v1/events?after={after}&limit=500")).expect(200).json()
            count += len(page["data"])
            if page["next_after"] is None:
                return count
            after = page["next_after"]
    finally:
        await conn.close()
