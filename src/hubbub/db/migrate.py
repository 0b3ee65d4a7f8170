"""Alembic, driven from code: the only way the schema changes, on both engines."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from hubbub.db.uow import Database

SCRIPT_LOCATION = "hubbub.db:migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    def run(connection: Connection) -> None:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    await database.run_sync(run)
