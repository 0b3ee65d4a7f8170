"""Alembic environment. ``hubbub migrate`` and the tests hand it an open connection; the
``alembic`` command line gets a URL and opens its own async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

import hubbub.db.models  # noqa: F401  (registers every table)
from hubbub.db.base import metadata
from hubbub.db.uow import Database


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    database = Database(url, pool_size=1)
    await database.run_sync(run_on)
    await database.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    asyncio.run(run_with_own_engine(context.config.get_main_option("sqlalchemy.url") or ""))
