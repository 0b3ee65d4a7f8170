"""``hubbub serve`` and ``hubbub migrate``."""

from __future__ import annotations

import os
import socket
from typing import Annotated, Any

import typer

from hubbub.cli.context import console, fail, open_database, run, safe_url, settings_from_env
from hubbub.cli.processes import bind, serve_processes
from hubbub.config import Settings

# What uvicorn runs in every server process (it rebuilds the settings from the environment).
APP_FACTORY = "hubbub.cli.server:create_served_app"


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database: Annotated[
        str | None,
        typer.Option("--database", help="Database URL (default: SQLite in the data dir)."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Migrate the database, then serve the API (and the in-process worker). Each request is
    logged on stderr (HUBBUB_ACCESS_LOG=false turns that off)."""
    settings = settings_from_env(database)
    if database:
        # Worker processes rebuild their settings from the environment.
        os.environ["HUBBUB_DATABASE_URL"] = database
    bind_host, bind_port = host or settings.host, port or settings.port
    # The port first: a busy one is a one-line failure, before anything says "Hubbub on".
    listening = _claim_port(bind_host, bind_port)
    run(lambda: _migrate(settings))
    console.print(
        f"[bold]Hubbub[/] on http://{bind_host}:{bind_port} "
        f"([cyan]{safe_url(settings.resolved_database_url).split(':', 1)[0]}[/])"
    )
    from hubbub.cli.http_protocol import DiagnosedHttpToolsProtocol

    options: dict[str, Any] = {
        "loop": "uvloop",
        # httptools, whose refusals say what and who: see ``hubbub.cli.http_protocol``.
        "http": DiagnosedHttpToolsProtocol,
        "access_log": False,  # uvicorn's would print query strings; see ``api.access_log``
        "log_level": "warning",
        # Open SSE streams would otherwise keep the server from ever exiting.
        "timeout_graceful_shutdown": 5,
    }
    if workers > 1:
        # One listening socket per process: see ``hubbub.cli.processes``.
        listening.close()
        raise typer.Exit(serve_processes(bind_host, bind_port, workers, APP_FACTORY, options))
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(APP_FACTORY, factory=True, **options))
    server.run(sockets=[listening])


def _claim_port(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``, or a one-line exit when that is impossible. It
    refuses to share the port (no SO_REUSEPORT), so another server already there is found."""
    try:
        return bind(host, port, reuse_port=False)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error} (choose another --port)")


def create_served_app() -> Any:
    """The ASGI app of ``hubbub serve``: the app, with the request log unless it is off."""
    from hubbub.api.access_log import AccessLog, configure_access_logger
    from hubbub.app import create_app

    settings = Settings()
    app = create_app(settings)
    if not settings.access_log:
        return app
    configure_access_logger()
    return AccessLog(app)


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
