"""``hubbub serve`` and ``hubbub migrate``."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
import uvicorn

from hubbub.cli.context import console, open_database, run, settings_from_env
from hubbub.cli.processes import serve_processes
from hubbub.config import Settings


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: SQLite in the data dir)."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Migrate the database, then serve the API (and the in-process worker)."""
    settings = settings_from_env(database)
    if database:
        # Worker processes rebuild their settings from the environment.
        os.environ["HUBBUB_DATABASE_URL"] = database
    run(lambda: _migrate(settings))
    console.print(
        f"[bold]Hubbub[/] on http://{host or settings.host}:{port or settings.port} "
        f"([cyan]{settings.resolved_database_url.split(':', 1)[0]}[/])"
    )
    options: dict[str, Any] = {
        "loop": "uvloop",
        "http": "httptools",
        "access_log": False,
        "log_level": "warning",
        # Open SSE streams would otherwise keep the server from ever exiting.
        "timeout_graceful_shutdown": 5,
    }
    bind_host, bind_port = host or settings.host, port or settings.port
    if workers > 1:
        # One listening socket per process: see ``hubbub.cli.processes``.
        raise typer.Exit(serve_processes(bind_host, bind_port, workers, options))
    uvicorn.run("hubbub.app:create_app", factory=True, host=bind_host, port=bind_port, **options)


def migrate(
    database: Annotated[str | None, typer.Option("--database", help="Database URL.")] = None,
) -> None:
    """Bring the database schema to the newest revision."""
    settings = settings_from_env(database)
    run(lambda: _migrate(settings))
    console.print("[green]database is up to date[/]")


async def _migrate(settings: Settings) -> None:
    async with open_database(settings):  # opening migrates
        pass
