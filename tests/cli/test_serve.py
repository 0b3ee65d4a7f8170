"""``hubbub serve`` for real: it starts, answers over HTTP, and a key made by the CLI works."""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path

import httpx

from tests.cli.conftest import HUBBUB, Cli

STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def last_lines(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-40:])


async def wait_until_healthy(
    client: httpx.AsyncClient, process: asyncio.subprocess.Process, log: Path
) -> None:
    deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        if process.returncode is not None:
            raise AssertionError(f"serve exited with {process.returncode}:\n{last_lines(log)}")
        try:
            response = await client.get("/healthz")
        except httpx.TransportError:
            await asyncio.sleep(0.2)
            continue
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        return
    raise AssertionError(f"serve did not answer /healthz in time:\n{last_lines(log)}")


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 15)
    except TimeoutError:
        process.kill()
        await process.wait()


async def test_serve_answers_and_accepts_a_key_made_by_the_cli(cli: Cli, tmp_path: Path) -> None:
    created = await cli.json("workspace", "create", "served")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            str(HUBBUB),
            "serve",
            "--port",
            str(port),
            env=cli.env,
            stdout=output,
            stderr=output,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            await wait_until_healthy(client, process, log)
            headers = {"Authorization": f"Bearer {created['access_key']}"}
            workspace_id = created["workspace_id"]

            fetched = await client.get(f"/v1/workspaces/{workspace_id}", headers=headers)
            assert fetched.status_code == 200, fetched.text
            assert fetched.json()["name"] == "served"

            channel = await client.post(
                "/v1/channels", json={"platform": "sms", "name": "live"}, headers=headers
            )
            assert channel.status_code == 201, channel.text
            listed = await cli.ok("channel", "list", "--workspace", workspace_id)
            assert channel.json()["id"] in listed  # the CLI sees what the server wrote

            refused = await client.get(f"/v1/workspaces/{workspace_id}")
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "unauthenticated"

            message = {
                "channel_id": channel.json()["id"],
                "recipients": [{"value": "+31612345678"}],
                "payload": {"type": "text", "text": "hi"},
            }
            sent = await client.post("/v1/messages", json=message, headers=headers)
            assert sent.status_code == 201, sent.text  # answered by the create shortcut
            listed_messages = await client.get("/v1/messages?q=sekrit", headers=headers)
            assert listed_messages.status_code == 200
    finally:
        await stop(process)
    assert process.returncode is not None
    access = access_lines(log)
    assert access == [
        "GET /healthz 200",
        f"GET /v1/workspaces/{workspace_id} 200",
        "POST /v1/channels 201",
        f"GET /v1/workspaces/{workspace_id} 401",
        "POST /v1/messages 201",
        "GET /v1/messages 200",
    ]
    assert "sekrit" not in log.read_text()  # query strings carry secrets: never logged


ACCESS_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ([A-Z]+ \S+ \d{3}) \d+\.\dms$")


def access_lines(log: Path) -> list[str]:
    """The request log's lines, without their time and duration; health checks that found
    the server still starting are not there, as they never reached it."""
    lines = log.read_text(errors="replace").splitlines()
    return [match[1] for line in lines if (match := ACCESS_LINE.match(line))]


async def raw_request(port: int, request: str) -> bytes:
    """The status line the server answers to ``request``, sent as UTF-8 bytes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request.encode())
        status = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    assert status.startswith(b"HTTP/1.1 400"), status
    return status


def listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` (IPv4), from /proc/net/tcp (state 0A is LISTEN)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1
        for line in lines
        if (fields := line.split())[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port
    )


async def test_serve_with_workers_listens_once_per_process_and_stops_on_sigterm(
    cli: Cli, tmp_path: Path
) -> None:
    """Each process has its own socket (SO_REUSEPORT), so the kernel balances connections."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            str(HUBBUB), "serve", "--port", str(port), "--workers", "2",
            env={**cli.env, "HUBBUB_ACCESS_LOG": "false"}, stdout=output, stderr=output,
        )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            await wait_until_healthy(client, process, log)
            deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT
            while listening_sockets(port) < 2:  # the second process may still be starting
                assert asyncio.get_running_loop().time() < deadline, last_lines(log)
                await asyncio.sleep(0.1)
        for _ in range(8):  # fresh connections, spread by the kernel, all answered
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                assert (await client.get("/healthz")).status_code == 200
        # What ``curl '…?q=café'`` sends: raw UTF-8, which the HTTP parser refuses.
        assert await raw_request(port, "GET /healthz?q=café HTTP/1.1\r\nHost: x\r\n\r\n")
    finally:
        await stop(process)
    text = log.read_text(errors="replace")
    # uvicorn's own warning named neither the peer nor the reason (seen 80 times under load).
    assert "Invalid HTTP request received" not in text
    assert "invalid HTTP request from 127.0.0.1:" in text
    assert "Invalid char in url query" in text
    assert process.returncode == 0, last_lines(log)
    assert listening_sockets(port) == 0
    assert access_lines(log) == []  # HUBBUB_ACCESS_LOG=false
