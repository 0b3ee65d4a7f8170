"""A Hubbub server under test: a fresh data dir (and a fresh PostgreSQL database), ``hubbub
serve`` as a subprocess, a workspace and a sandbox channel made with the CLI. Everything is
torn down on the way out, whatever happens in between."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import asyncpg  # type: ignore[import-untyped]
import orjson

from bench.client import Connection, HttpError
from hubbub.config import Settings

Engine = Literal["sqlite", "postgresql"]
HOST = "127.0.0.1"
POSTGRES_ADMIN_URL = os.environ.get(
    "HUBBUB_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
STARTUP_TIMEOUT_S = 60.0
CLI_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Server:
    engine: Engine
    port: int
    pid: int
    data_dir: Path
    database_url: str  # async driver URL, for seeding through hubbub.db
    workspace_id: str
    access_key: str
    channel_id: str

    def connection(self) -> Connection:
        return Connection(HOST, self.port, self.access_key)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def hubbub_executable() -> str:
    """The ``hubbub`` script next to the running interpreter (the project's venv)."""
    candidate = Path(sys.executable).parent / "hubbub"
    return str(candidate) if candidate.exists() else "hubbub"


def processes(engine: Engine) -> int:
    """Server processes: one on SQLite (one writer; its group commit wants every writer in one
    process), one per core on PostgreSQL (``serve --workers``, the documented way to run it
    on a machine with several cores). ``HUBBUB_BENCH_PG_PROCESSES`` overrides the latter."""
    if engine == "sqlite":
        return 1
    return int(os.environ.get("HUBBUB_BENCH_PG_PROCESSES", str(os.cpu_count() or 1)))


@contextlib.asynccontextmanager
async def running_server(engine: Engine, *, worker: bool = False) -> AsyncIterator[Server]:
    """A fresh server on a fresh database. Without ``worker`` it serves the API alone, so the
    API scenarios measure the API and not the delivery runner competing for the same core."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"hubbub-bench-{engine}-"))
    env = {**os.environ, "HUBBUB_DATA_DIR": str(data_dir)}
    env["HUBBUB_RUN_WORKER"] = "true" if worker else "false"
    env.pop("HUBBUB_DATABASE_URL", None)
    database_name: str | None = None
    try:
        if engine == "postgresql":
            name = f"hubbub_bench_{secrets.token_hex(4)}"
            await _create_database(name)
            database_name = name  # from here on, ours to drop
            env["HUBBUB_DATABASE_URL"] = _database_url(name)
        settings = Settings(data_dir=data_dir, database_url=env.get("HUBBUB_DATABASE_URL"))
        async with _serving(env, data_dir, processes(engine)) as (port, pid):
            workspace = await _cli_json(env, "workspace", "create", "bench", "--json")
            channel = await _cli_json(
                env, "channel", "create", "--workspace", workspace["workspace_id"],
                "--platform", "sandbox", "--name", "bench", "--json",
            )  # fmt: skip
            yield Server(
                engine=engine,
                port=port,
                pid=pid,
                data_dir=data_dir,
                database_url=settings.resolved_database_url,
                workspace_id=workspace["workspace_id"],
                access_key=workspace["access_key"],
                channel_id=channel["channel_id"],
            )
    finally:
        if database_name is not None:
            await _drop_database(database_name)
        shutil.rmtree(data_dir, ignore_errors=True)


@contextlib.asynccontextmanager
async def _serving(
    env: dict[str, str], data_dir: Path, workers: int
) -> AsyncIterator[tuple[int, int]]:
    port = free_port()
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            hubbub_executable(), "serve", "--host", HOST, "--port", str(port),
            "--workers", str(workers),
            env=env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,  # its own process group: stopping it stops any children
        )  # fmt: skip
    try:
        await _wait_healthy(process, port, log_path)
        yield port, process.pid
    finally:
        await _stop(process)


async def _wait_healthy(process: asyncio.subprocess.Process, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.returncode is not None:
            break
        conn = Connection(HOST, port)
        try:
            if (await conn.get("/healthz")).status == 200:
                return
        except (OSError, HttpError):
            pass
        finally:
            await conn.close()
        await asyncio.sleep(0.2)
    tail = _log_tail(log_path)
    raise RuntimeError(f"hubbub serve did not become healthy on port {port}:\n{tail}")


def _log_tail(path: Path, size: int = 2000) -> str:
    return path.read_text(errors="replace")[-size:]


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, STOP_TIMEOUT_S)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            await asyncio.wait_for(process.wait(), wait_s)
            return
        except TimeoutError:
            continue


async def _cli_json(env: dict[str, str], *args: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        hubbub_executable(), *args, env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), CLI_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        command = " ".join(("hubbub", *args))
        raise RuntimeError(f"`{command}` failed ({process.returncode}): {err.decode()[-2000:]}")
    value = orjson.loads(out)
    if not isinstance(value, dict):
        raise RuntimeError(f"`hubbub {args[0]} {args[1]}` printed {out[:200]!r}, not an object")
    return value


def _database_url(name: str) -> str:
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


async def _create_database(name: str) -> None:
    try:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    except OSError as exc:
        raise RuntimeError(
            f"cannot reach PostgreSQL at {POSTGRES_ADMIN_URL} (HUBBUB_BENCH_POSTGRES_URL): {exc}"
        ) from exc
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        # Start from a clean checkpoint: one triggered by an earlier run's writes (a 200,000-row
        # seed, a dropped database) would stall the commits of the measured window on fsync.
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def _drop_database(name: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
