"""Delivery end to end through the sandbox and webhook connectors, against a running server
with its worker.

- **send throughput**: clients post messages back to back for ``seconds``; the figure is how
  many messages per second went from created to ``sent`` (or beyond), counted until the last
  one got there, so a backlog the worker leaves behind lowers it. Once through the sandbox,
  once through a ``webhook`` channel posting to a local receiver.
- **scheduled lateness**: ``scheduled`` messages due ``lead_seconds`` from now (long enough for
  creating them all while the server drains the throughput runs' backlog), spread over one
  second; each one's lateness is the time of its ``accepted`` interaction (the job firing)
  minus its ``scheduled_for``. The target is under one second at p99.

Every message of a run carries a fresh ``batch_id``, which is how the run finds its messages.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
from aiohttp import web

from bench.client import Connection, Response, close_connections, run_load
from bench.scenarios import create_conversations, percentile
from bench.server import HOST, Server, free_port
from hubbub.kit.ids import new_id

WAITING = ("scheduled", "accepted", "sending")
POLL_S = 0.05


async def delivery(
    server: Server,
    *,
    seconds: float = 10.0,
    concurrency: int = 16,
    scheduled: int = 200,
    lead_seconds: float = 10.0,
    timeout_seconds: float = 120.0,
) -> dict[str, Any]:
    """The three figures as one JSON-able dict."""
    return {
        "throughput": await send_throughput(
            server, seconds=seconds, concurrency=concurrency, timeout_seconds=timeout_seconds
        ),
        "webhook_connector": await webhook_connector_throughput(
            server, seconds=seconds, concurrency=concurrency, timeout_seconds=timeout_seconds
        ),
        "scheduled": await scheduled_lateness(
            server, count=scheduled, lead_seconds=lead_seconds, timeout_seconds=timeout_seconds
        ),
    }


async def webhook_connector_throughput(
    server: Server, *, seconds: float, concurrency: int, timeout_seconds: float
) -> dict[str, Any]:
    """``send_throughput`` through a ``webhook`` channel: every send is a signed POST to a
    local receiver (aiohttp on loopback, answering 204 at once)."""
    received = 0

    async def receive(request: web.Request) -> web.Response:
        nonlocal received
        await request.read()
        received += 1
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/inbox", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, HOST, port).start()
    try:
        channel_id = await _webhook_channel(server, f"http://{HOST}:{port}/inbox")
        figures = await send_throughput(
            server,
            seconds=seconds,
            concurrency=concurrency,
            timeout_seconds=timeout_seconds,
            channel_id=channel_id,
        )
    finally:
        await runner.cleanup()
    return {**figures, "received": received}


async def _webhook_channel(server: Server, url: str) -> str:
    conn = server.connection()
    try:
        body = {"platform": "webhook", "name": "bench", "config": {"url": url, "secret": "s"}}
        return str((await conn.post("/v1/channels", body)).expect(201).json()["id"])
    finally:
        await conn.close()


async def send_throughput(
    server: Server,
    *,
    seconds: float,
    concurrency: int,
    timeout_seconds: float,
    channel_id: str | None = None,
) -> dict[str, Any]:
    conversations = await create_conversations(server, concurrency, channel_id=channel_id)
    batch_id = new_id()
    connections = [server.connection() for _ in conversations]
    prefixes = {
        id(conn): orjson.dumps({"conversation_id": conversation, "batch_id": batch_id})[:-1]
        for conn, conversation in zip(connections, conversations, strict=True)
    }
    created = 0

    async def send(conn: Connection, i: int) -> Response:
        nonlocal created
        body = prefixes[id(conn)] + b',"payload":{"type":"text","text":"delivery ' + b"%d" % i
        response = await conn.request("POST", "/v1/messages", body + b'"}}')
        created += response.status == 201
        return response

    started = time.perf_counter()
    load = await run_load(connections, send, warmup_s=0.0, seconds=seconds)
    await close_connections(connections)
    creating_s = time.perf_counter() - started
    drained = await _wait_until_sent(server, batch_id, timeout_seconds)
    total_s = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "created": created,
        "errors": load.errors,
        "first_error": load.first_error,
        "creating_s": creating_s,
        "backlog_drain_s": total_s - creating_s,
        "all_sent": drained,
        "sent_per_s": created / total_s if drained and total_s else None,
    }


async def scheduled_lateness(
    server: Server, *, count: int, lead_seconds: float, timeout_seconds: float
) -> dict[str, Any]:
    [conversation] = await create_conversations(server, 1)
    batch_id = new_id()
    first_due = datetime.now(UTC) + timedelta(seconds=lead_seconds)
    due: dict[str, datetime] = {}
    conn = server.connection()
    try:
        for i in range(count):
            at = first_due + timedelta(seconds=i / max(count, 1))
            body = {
                "conversation_id": conversation,
                "batch_id": batch_id,
                "scheduled_for": at.isoformat(),
                "payload": {"type": "text", "text": f"scheduled {i}"},
            }
            response = (await conn.post("/v1/messages", body)).expect(201).json()
            if response["status"] == "scheduled":
                due[response["id"]] = at
    finally:
        await conn.close()
    drained = await _wait_until_sent(server, batch_id, timeout_seconds + lead_seconds)
    # A new connection: the server closes one left idle longer than its keep-alive timeout.
    conn = server.connection()
    try:
        late_ms = [await _lateness_ms(conn, message_id, at) for message_id, at in due.items()]
    finally:
        await conn.close()
    found = [value for value in late_ms if value is not None]
    return {
        "count": count,
        # Created after their time had come (the API answered slower than the lead): not
        # scheduled at all, so not measured.
        "created_late": count - len(due),
        "all_sent": drained,
        "measured": len(found),
        "p50_ms": percentile(found, 50),
        "p99_ms": percentile(found, 99),
        "max_ms": max(found, default=0.0),
    }


async def _lateness_ms(conn: Connection, message_id: str, due: datetime) -> float | None:
    """When the job fired (the ``accepted`` interaction) minus when it was due."""
    path = f"/v1/messages/{message_id}/interactions?order=asc&limit=20"
    entries = (await conn.get(path)).expect(200).json()["data"]
    fired = next((entry for entry in entries if entry["type"] == "accepted"), None)
    if fired is None:
        return None
    at = datetime.fromisoformat(fired["created_at"].replace("Z", "+00:00"))
    return (at - due).total_seconds() * 1000.0


async def _wait_until_sent(server: Server, batch_id: str, timeout_seconds: float) -> bool:
    """Whether every message of the batch left the waiting states before the timeout."""
    query = urlencode([("batch_id", batch_id), ("limit", 1), *[("status", s) for s in WAITING]])
    conn = server.connection()
    deadline = time.perf_counter() + timeout_seconds
    try:
        while time.perf_counter() < deadline:
            page = (await conn.get(f"/v1/messages?{query}")).expect(200).json()
            if not page["data"]:
                return True
            await asyncio.sleep(POLL_S)
        return False
    finally:
        await conn.close()
