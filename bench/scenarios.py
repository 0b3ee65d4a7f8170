"""What is measured: the generator's own ceiling, message-create throughput and latency, paging
at the top and deep in a large conversation, and full-text search."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

from bench.client import (
    Connection,
    LoadResult,
    RequestFn,
    Response,
    close_connections,
    run_load,
)
from bench.server import HOST, Server

PAGE_SMALL, PAGE_LARGE = 50, 500
WARMUP_REPETITIONS = 3
IDLE_SAMPLE_S = 0.5


@dataclass(frozen=True)
class Timing:
    """Latencies of one repeated request, in milliseconds."""

    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 99)

    def summary(self) -> dict[str, float | int]:
        return {"n": len(self.samples_ms), "median_ms": self.median, "p99_ms": self.p99}


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile; 0.0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


@dataclass
class LoadFigures:
    """A load run with the server's CPU use over the same span."""

    load: LoadResult
    server_cpu_s: float | None

    def summary(self) -> dict[str, Any]:
        load = self.load
        cpu = self.server_cpu_s
        per_request = cpu * 1000 / load.total_requests if cpu and load.total_requests else None
        return {
            "concurrency": load.concurrency,
            "seconds": load.seconds,
            "completed": load.completed,
            "errors": load.errors,
            "first_error": load.first_error,
            "throughput_per_s": load.throughput,
            "median_ms": statistics.median(load.latencies_ms) if load.latencies_ms else None,
            "p99_ms": percentile(load.latencies_ms, 99),
            "client_cpu_us_per_request": load.client_cpu_us_per_request,
            "server_cpu_ms_per_request": per_request,
            # Cores the server kept busy: 1.0 is one event loop flat out.
            "server_cores_busy": cpu / load.elapsed_s if cpu and load.elapsed_s else None,
        }


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of the server: every live process of its process group (``serve
    --workers N`` runs N children under a supervisor), from /proc (None where there is none)."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    group = int(fields[2])  # pgrp (field 5 of stat)
    ticks = 0
    for entry in Path("/proc").iterdir():
        other = _stat_fields(int(entry.name)) if entry.name.isdigit() else None
        if other is not None and int(other[2]) == group:
            ticks += int(other[11]) + int(other[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


async def wait_until_idle(pid: int, *, below_cores: float = 0.05, timeout_s: float = 60.0) -> float:
    """Wait (bounded) until the server's background work from an earlier phase has settled, so
    that it does not leak into the next figures; the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        before = process_cpu_seconds(pid)
        await asyncio.sleep(IDLE_SAMPLE_S)
        after = process_cpu_seconds(pid)
        if before is None or after is None or (after - before) / IDLE_SAMPLE_S < below_cores:
            break
    return time.monotonic() - started


async def measured_load(
    server: Server,
    connections: list[Connection],
    send: RequestFn,
    *,
    warmup_s: float,
    seconds: float,
) -> LoadFigures:
    await wait_until_idle(server.pid)
    cpu_before = process_cpu_seconds(server.pid)
    try:
        load = await run_load(connections, send, warmup_s=warmup_s, seconds=seconds)
    finally:
        await close_connections(connections)
    cpu_after = process_cpu_seconds(server.pid)
    used = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return LoadFigures(load=load, server_cpu_s=used)


async def client_ceiling(server: Server, *, concurrency: int, seconds: float) -> LoadFigures:
    """GET /healthz as fast as the generator can: the most it could ever report."""

    async def send(conn: Connection, _: int) -> Response:
        return await conn.get("/healthz")

    connections = [Connection(HOST, server.port) for _ in range(concurrency)]
    return await measured_load(
        server, connections, send, warmup_s=min(1.0, seconds), seconds=seconds
    )


async def create_conversations(
    server: Server, count: int, *, channel_id: str | None = None
) -> list[str]:
    """``count`` conversations on ``channel_id`` (default: the server's sandbox channel)."""
    conn = server.connection()
    try:
        ids = []
        for _ in range(count):
            body = {"channel_id": channel_id or server.channel_id}
            response = await conn.post("/v1/conversations", body)
            ids.append(response.expect(201).json()["id"])
        return ids
    finally:
        await conn.close()


async def create_throughput(
    server: Server, conversation_ids: list[str], *, warmup_s: float, seconds: float
) -> LoadFigures:
    """Each connection posts text messages into its own conversation, back to back."""
    connections = [server.connection() for _ in conversation_ids]
    prefixes = {
        id(conn): orjson.dumps({"conversation_id": conversation_id})[:-1]
        for conn, conversation_id in zip(connections, conversation_ids, strict=True)
    }

    async def send(conn: Connection, i: int) -> Response:
        payload = orjson.dumps({"type": "text", "text": f"load test message number {i}"})
        body = prefixes[id(conn)] + b',"payload":' + payload + b"}"
        return await conn.request("POST", "/v1/messages", body)

    return await measured_load(server, connections, send, warmup_s=warmup_s, seconds=seconds)


def messages_path(**params: str | int) -> str:
    return "/v1/messages?" + urlencode(params)


async def time_get(conn: Connection, path: str, repetitions: int) -> tuple[Timing, Any]:
    """Sequential GETs of one path; the timing and the last response's JSON."""
    clock = time.perf_counter
    samples: list[float] = []
    body: Any = None
    for index in range(WARMUP_REPETITIONS + repetitions):
        started = clock()
        response = await conn.get(path)
        elapsed = (clock() - started) * 1000.0
        body = response.expect(200).json()
        if index >= WARMUP_REPETITIONS:
            samples.append(elapsed)
    return Timing(samples), body


async def walk_to_depth(conn: Connection, conversation_id: str, depth: int) -> str:
    """Follow next_cursor with pages of 500 until ``depth`` messages have been passed."""
    params: dict[str, str | int] = {"conversation_id": conversation_id, "limit": PAGE_LARGE}
    seen = 0
    while seen < depth:
        page = (await conn.get(messages_path(**params))).expect(200).json()
        seen += len(page["data"])
        if not page["data"] or not page["next_cursor"]:
            raise RuntimeError(f"the conversation ended after {seen} messages, before {depth}")
        params["cursor"] = page["next_cursor"]
    return str(params["cursor"])


async def paging(
    server: Server, conversation_id: str, *, depth: int, repetitions: int
) -> dict[str, Any]:
    conn = server.connection()
    try:
        results: dict[str, Any] = {}
        for limit in (PAGE_SMALL, PAGE_LARGE):
            path = messages_path(conversation_id=conversation_id, limit=limit)
            timing, body = await time_get(conn, path, repetitions)
            _check_page(body, limit)
            results[f"first_{limit}"] = timing
        walk_started = time.perf_counter()
        cursor = await walk_to_depth(conn, conversation_id, depth)
        results["walk_seconds"] = time.perf_counter() - walk_started
        for limit in (PAGE_SMALL, PAGE_LARGE):
            path = messages_path(conversation_id=conversation_id, limit=limit, cursor=cursor)
            timing, body = await time_get(conn, path, repetitions)
            _check_page(body, limit)
            results[f"deep_{limit}"] = timing
        return results
    finally:
        await conn.close()


def _check_page(body: Any, limit: int) -> None:
    if len(body["data"]) != limit:
        raise RuntimeError(f"asked for {limit} messages, got {len(body['data'])}")


async def search(
    server: Server, words: dict[str, int], *, repetitions: int
) -> dict[str, dict[str, Any]]:
    """GET /v1/messages?q=word for each word; checks the hits against what was seeded."""
    conn = server.connection()
    try:
        results: dict[str, dict[str, Any]] = {}
        for word, seeded in words.items():
            timing, body = await time_get(
                conn, messages_path(q=word, limit=PAGE_SMALL), repetitions
            )
            returned = len(body["data"])
            results[word] = {
                "timing": timing,
                "seeded_matches": seeded,
                "returned": returned,
                "hits_ok": returned == min(seeded, PAGE_SMALL),
            }
        return results
    finally:
        await conn.close()
