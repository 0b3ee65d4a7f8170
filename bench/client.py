"""A minimal HTTP/1.1 keep-alive client and a closed-loop load runner.

The generator shares a small machine with the server, so every microsecond it spends is taken
from the thing being measured. One persistent connection per virtual client, requests written as
a single pre-formatted buffer, responses framed by ``Content-Length`` (or chunked): on this
machine that costs roughly a fifth of aiohttp's CPU per request (see README.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

HEAD_END = b"\r\n\r\n"
MAX_HEAD_BYTES = 64 * 1024


class HttpError(Exception):
    """A response the benchmark did not expect (wrong status, broken framing)."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    def expect(self, *statuses: int) -> Response:
        if self.status not in statuses:
            raise HttpError(f"HTTP {self.status}: {self.body[:300]!r}")
        return self


class Connection:
    """One keep-alive connection to ``host:port``; requests on it are strictly sequential."""

    def __init__(self, host: str, port: int, token: str | None = None) -> None:
        self.host = host
        self.port = port
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self._common = f"Host: {host}:{port}\r\n{auth}".encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection(
            self.host, self.port, limit=MAX_HEAD_BYTES
        )
        return self

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def get(self, path: str) -> Response:
        return await self.request("GET", path)

    async def post(self, path: str, body: Any) -> Response:
        return await self.request("POST", path, orjson.dumps(body))

    async def request(self, method: str, path: str, body: bytes | None = None) -> Response:
        if self._writer is None:
            await self.open()
        assert self._reader is not None
        assert self._writer is not None
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._common
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        self._writer.write(head + b"\r\n" + (body or b""))
        response, keep_alive = await _read_response(self._reader)
        if not keep_alive:
            await self.close()
        return response


async def _read_response(reader: asyncio.StreamReader) -> tuple[Response, bool]:
    try:
        head = await reader.readuntil(HEAD_END)
    except asyncio.IncompleteReadError as exc:
        raise HttpError("the server closed the connection") from exc
    status = int(head[9:12])
    lower = head.lower()
    keep_alive = b"\r\nconnection: close" not in lower
    length = _header_int(lower, b"\r\ncontent-length:")
    if length is not None:
        body = await reader.readexactly(length)
    elif b"\r\ntransfer-encoding: chunked" in lower:
        body = await _read_chunked(reader)
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:  # framed by the end of the connection
        body, keep_alive = await reader.read(), False
    return Response(status, body), keep_alive


def _header_int(lower_head: bytes, name: bytes) -> int | None:
    start = lower_head.find(name)
    if start < 0:
        return None
    end = lower_head.index(b"\r\n", start + len(name))
    return int(lower_head[start + len(name) : end])


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers expected
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


# --- closed-loop load ---------------------------------------------------------------------

RequestFn = Callable[[Connection, int], Awaitable[Response]]


@dataclass
class LoadResult:
    concurrency: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    total_requests: int = 0  # including the warm-up
    client_cpu_s: float = 0.0
    elapsed_s: float = 0.0  # including the warm-up
    first_error: str | None = None

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    @property
    def client_cpu_us_per_request(self) -> float:
        return self.client_cpu_s * 1e6 / self.total_requests if self.total_requests else 0.0


async def run_load(
    connections: list[Connection],
    send: RequestFn,
    *,
    warmup_s: float,
    seconds: float,
    max_requests: int = 2_000_000,
) -> LoadResult:
    """Each connection sends ``send(conn, i)`` back to back; only requests that start after
    the warm-up and finish before the deadline are measured. Stops by time or by count."""
    result = LoadResult(concurrency=len(connections), seconds=seconds)
    clock = time.perf_counter
    cpu_start, start = time.process_time(), clock()
    measure_from, deadline = start + warmup_s, start + warmup_s + seconds

    async def worker(conn: Connection) -> None:
        i = 0
        while result.total_requests < max_requests:
            sent = clock()
            if sent >= deadline:
                return
            try:
                response = await send(conn, i)
                ok = 200 <= response.status < 300
                if not ok and result.first_error is None:
                    result.first_error = f"HTTP {response.status}: {response.body[:200]!r}"
            except (OSError, HttpError, asyncio.IncompleteReadError) as exc:
                ok = False
                result.first_error = result.first_error or repr(exc)
                await conn.close()  # reopened by the next request
                await asyncio.sleep(0.05)
            done = clock()
            result.total_requests += 1
            i += 1
            if sent >= measure_from and done <= deadline:
                if ok:
                    result.latencies_ms.append((done - sent) * 1000.0)
                else:
                    result.errors += 1

    await asyncio.gather(*(worker(conn) for conn in connections))
    result.client_cpu_s = time.process_time() - cpu_start
    result.elapsed_s = clock() - start
    return result


async def open_connections(host: str, port: int, token: str | None, count: int) -> list[Connection]:
    return list(await asyncio.gather(*(Connection(host, port, token).open() for _ in range(count))))


async def close_connections(connections: list[Connection]) -> None:
    await asyncio.gather(*(conn.close() for conn in connections))
