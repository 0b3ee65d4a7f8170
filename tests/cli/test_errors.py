"""What a newcomer meets first: a database that cannot be opened and a busy port are one
line on stderr and a non-zero exit, never a traceback; the command line starts without
importing the web stack."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.cli.test_serve import free_port

CLOSED_PORT_URL = "postgresql+asyncpg://postgres:hunter2@127.0.0.1:1/nothing"


def one_line_failure(output: str) -> str:
    assert "Traceback" not in output, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["workspace", "list"],
        ["channel", "list", "--workspace", "w"],
        ["messages", "list", "--workspace", "w"],
        ["conversations", "list", "--workspace", "w"],
        ["tail", "--workspace", "w"],
        ["jobs", "list"],
        ["worker", "--once"],
    ],
)
async def test_an_unreachable_database_is_one_line_and_exit_2(
    sqlite_cli: Cli, tmp_path: Path, command: list[str]
) -> None:
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")  # unwritable as a directory even for root
    urls = {
        "postgresql": CLOSED_PORT_URL,
        "missing directory": f"sqlite:///{tmp_path / 'missing' / 'dir' / 'hubbub.db'}",
        "unwritable directory": f"sqlite:///{not_a_directory / 'hubbub.db'}",
    }
    clis = [Cli({**sqlite_cli.env, "HUBBUB_DATABASE_URL": url}, url) for url in urls.values()]
    results = await asyncio.gather(*(cli.run(*command) for cli in clis))
    for (case, url), result in zip(urls.items(), results, strict=True):
        assert result.code == 2, (case, result.output)
        assert result.stdout == "", (case, result.output)
        line = one_line_failure(result.stderr)
        assert "cannot open the database" in line, (case, line)
        assert url.split("://")[1].split("@")[-1] in line, (case, line)  # which database
        assert "hunter2" not in line  # never its password


async def test_serve_on_a_busy_port_says_so_before_announcing(sqlite_cli: Cli) -> None:
    port = free_port()
    with socket.socket() as held:
        held.bind(("127.0.0.1", port))
        held.listen()
        for workers in ("1", "2"):
            result = await sqlite_cli.run("serve", "--port", str(port), "--workers", workers)
            assert result.code == 2, result.output
            assert "Hubbub on" not in result.output
            line = one_line_failure(result.output)
            assert f"cannot listen on 127.0.0.1:{port}" in line
            assert "in use" in line


def test_the_command_line_starts_without_the_web_stack() -> None:
    """Every call paid for FastAPI, SQLAlchemy and the app before it did anything."""
    probe = (
        "import sys, hubbub.cli.main\n"
        "heavy = ('fastapi', 'starlette', 'hubbub.app', 'sqlalchemy', 'httpx', 'pydantic')\n"
        "print(','.join(name for name in heavy if name in sys.modules))"
    )
    loaded = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
