"""What every command shares: settings from the environment, a migrated database, and a way
to run a coroutine from a synchronous typer command.

A database that cannot be opened (PostgreSQL down, a missing database, a SQLite file in a
directory that is not there or not writable) is one line on stderr and exit code 2, not a
traceback: ``open_database`` turns the first connection's failure into ``DatabaseUnavailable``
and ``run`` prints it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypeVar

import orjson
import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from hubbub.config import Settings
from hubbub.db.migrate import upgrade
from hubbub.db.uow import Database, Session
from hubbub.errors import HubbubError
from hubbub.workspaces.service import workspace as workspace_service

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
console = Console()
err_console = Console(stderr=True)


# Something outside Hubbub to fix first: the database, the data directory, a busy port.
SETUP_FAILURE_EXIT = 2


class DatabaseUnavailable(Exception):
    """The database cannot be opened; ``str()`` is the one line the user sees."""


def settings_from_env(database_url: str | None = None) -> Settings:
    settings = Settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    try:
        settings.ensure_data_dir()
    except OSError as error:
        fail(f"cannot create the data directory {settings.data_dir}: {_reason(error)}")
    return settings


def fail(message: str, code: int = SETUP_FAILURE_EXIT) -> NoReturn:
    """One line on stderr and a non-zero exit, for what the user must fix outside Hubbub."""
    err_console.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=code)


def safe_url(url: str) -> str:
    """``url`` without its password, to show."""
    return make_url(url).render_as_string(hide_password=True)


def _reason(error: BaseException) -> str:
    """The innermost cause's own words, on one line (SQLAlchemy wraps the driver's error)."""
    while error.__cause__ is not None:
        error = error.__cause__
    text = " ".join(str(error).split()) or type(error).__name__
    return text.removeprefix("(sqlite3.OperationalError) ")


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
        try:
            await upgrade(database)
        except (OSError, SQLAlchemyError, _driver_errors()) as error:
            url = settings.resolved_database_url
            raise DatabaseUnavailable(
                f"cannot open the database {safe_url(url)}: {_reason(error)} ({_hint(url)})"
            ) from error
        yield database
    finally:
        await database.dispose()


def _hint(url: str) -> str:
    if url.startswith("sqlite"):
        return (
            "does the file's directory exist and is it writable? set HUBBUB_DATA_DIR, "
            "HUBBUB_DATABASE_URL or --database"
        )
    return (
        "is PostgreSQL running and does the database exist? set HUBBUB_DATABASE_URL or --database"
    )


def _driver_errors() -> type[Exception]:
    """asyncpg's errors (a missing database, a refused login) are not SQLAlchemy's."""
    try:
        from asyncpg import PostgresError  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return OSError
    return PostgresError  # type: ignore[no-any-return]


def validated(model: type[M], data: dict[str, Any]) -> M:
    """``data`` as ``model``; invalid input is a usage error naming the field, not a traceback."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise typer.BadParameter(_first_problem(error)) from error


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "input"
    return f"{field}: {first['msg']}"


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
    except ValidationError as error:  # a service's own model check, e.g. a channel's config
        err_console.print(f"[red]error:[/] {_first_problem(error)}", highlight=False)
        raise typer.Exit(code=1) from error
    except DatabaseUnavailable as error:
        fail(str(error))


async def _await(main: Callable[[], Awaitable[T]]) -> T:
    return await main()


def print_json(value: object) -> None:
    """Exactly one JSON document on stdout, for scripts."""
    print(orjson.dumps(value).decode())
