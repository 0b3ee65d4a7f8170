"""What every command shares: settings from the environment, a migrated database, and a way
to run a coroutine from a synchronous typer command."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import orjson
import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

from hubbub.config import Settings
from hubbub.db.migrate import upgrade
from hubbub.db.uow import Database, Session
from hubbub.errors import HubbubError
from hubbub.workspaces.service import workspace as workspace_service

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
console = Console()
err_console = Console(stderr=True)


def settings_from_env(database_url: str | None = None) -> Settings:
    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    settings.ensure_data_dir()
    return settings


@asynccontextmanager
async def open_database(settings: Settings, *, pool_size: int = 2) -> AsyncIterator[Database]:
    """A one-off command needs a connection or two; a long-running one (``worker``) asks for
    the configured pool."""
    database = Database(
        settings.resolved_database_url,
        pool_size=pool_size,
        pool_timeout=settings.db_pool_timeout_seconds,
        sqlite_synchronous=settings.sqlite_synchronous,
    )
    try:
        await upgrade(database)
        yield database
    finally:
        await database.dispose()


def validated(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``; invalid input is a usage error naming the field, not a traceback."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "input"
        raise typer.BadParameter(f"{field}: {first['msg']}") from error


async def check_workspace(session: Session, workspace_id: str) -> None:
    """Commands take any id from the command line; the API only ever gets existing ones."""
    await workspace_service.get_or_raise(session, workspace_id)


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
