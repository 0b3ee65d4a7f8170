"""What every command shares: settings from the environment, a migrated database, and a way
to run a coroutine from a synchronous typer command."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import orjson
import typer
from rich.console import Console

from hubbub.config import Settings
from hubbub.db.migrate import upgrade
from hubbub.db.uow import Database
from hubbub.errors import HubbubError

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)


def settings_from_env(database_url: str | None = None) -> Settings:
    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    settings.ensure_data_dir()
    return settings


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.resolved_database_url, pool_size=2)
    try:
        await upgrade(database)
        yield database
    finally:
        await database.dispose()


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run a command's coroutine; a domain error becomes a message and exit code 1."""
    try:
        return asyncio.run(_await(main))
    except HubbubError as error:
        err_console.print(f"[red]error:[/] {error.message}")
        raise typer.Exit(code=1) from error


async def _await(main: Callable[[], Awaitable[T]]) -> T:
    return await main()


def print_json(value: object) -> None:
    """Exactly one JSON document on stdout, for scripts."""
    print(orjson.dumps(value).decode())
