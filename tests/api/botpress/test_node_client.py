"""The real ``@botpress/client`` (npm, pinned in tests/botpress_client/package.json) against a
real Hubbub server: uvicorn on a free loopback port, a fresh database per engine, and the
Node test suite in tests/botpress_client/test run with ``node --test``. The Node output is the
failure message."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio

from hubbub.db.uow import Database
from tests.conftest import POSTGRES_ADMIN_URL, engine_names, make_workspace

CLIENT_DIR = Path(__file__).resolve().parents[2] / "botpress_client"
STARTUP_SECONDS = 60
NODE_SECONDS = 300
# The suite's size today: fewer passing means files were skipped or not found.
MIN_NODE_TESTS = 23


@dataclass(frozen=True)
class Server:
    base_url: str
    database_url: str


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest_asyncio.fixture(params=engine_names())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of the engine; the server migrates it."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'node-client.db'}"
        return
    name = f"hubbub_node_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "HUBBUB_DATA_DIR": str(tmp_path / "data"),
        "HUBBUB_DATABASE_URL": database_url,
        "HUBBUB_SECRET": "node-client-test-secret",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "hubbub", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_healthy(process, base_url, log)
            yield Server(base_url=base_url, database_url=database_url)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS}s:\n{log.read_text()}")


def node_env(server: Server, token: str, bot_id: str) -> dict[str, str]:
    # A stray BP_API_URL (and friends) would change where the client connects.
    env = {key: value for key, value in os.environ.items() if not key.startswith("BP_")}
    env.update(
        HUBBUB_BP_URL=f"{server.base_url}/compat/botpress",
        HUBBUB_BP_TOKEN=token,
        HUBBUB_BP_BOT_ID=bot_id,
    )
    return env


async def test_the_real_botpress_client_works_against_hubbub(server: Server) -> None:
    if not (CLIENT_DIR / "node_modules" / "@botpress" / "client").is_dir():
        pytest.fail(
            "tests/botpress_client/node_modules is missing: run "
            "`npm ci --prefix tests/botpress_client` (make test does it)"
        )
    node = shutil.which("node")
    if node is None:
        pytest.fail("node (Node.js 20) is not installed")
    database = Database(server.database_url)
    try:
        workspace = await make_workspace(database, "botpress-node-client")
    finally:
        await database.dispose()
    result = await asyncio.to_thread(
        subprocess.run,
        [node, "--test", "--test-reporter=spec"],
        cwd=CLIENT_DIR,
        env=node_env(server, workspace.token, workspace.id),
        capture_output=True,
        text=True,
        timeout=NODE_SECONDS,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"node --test failed ({result.returncode}):\n{output}", pytrace=False)
    passed = re.search(r"^\S* ?pass (\d+)$", output, re.MULTILINE)
    assert passed is not None, output
    assert int(passed[1]) >= MIN_NODE_TESTS, output
    assert re.search(r"^\S* ?fail 0$", output, re.MULTILINE), output
