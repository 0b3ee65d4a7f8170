"""The Alembic migrations on a fresh database of each engine: they build the schema the models
describe, with the full-text objects, and a second upgrade changes nothing."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, insert, inspect, select, text

from hubbub.db.base import metadata
from hubbub.db.migrate import alembic_config, upgrade
from hubbub.db.models import workspace
from hubbub.db.uow import Database
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id

# What the migrations add beyond the models, on purpose: the full-text index.
SQLITE_FTS_TABLES = {
    "message_fts",
    "message_fts_config",
    "message_fts_data",
    "message_fts_docsize",
    "message_fts_idx",
}
# New messages are indexed at each commit (``hubbub.db.fulltext``), not by a trigger.
SQLITE_FTS_TRIGGERS = {"message_fts_ad", "message_fts_au"}
POSTGRES_ONLY_INDEXES = {"ix_message_search", "ix_message_tags"}


async def inspect_with(database: Database, look: Any) -> Any:
    """Run ``look(connection)`` on a plain connection and hand back what it returns."""
    found: list[Any] = []
    await database.run_sync(lambda connection: found.append(look(connection)))
    return found[0]


def schema_of(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    return {
        table: {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "indexes": sorted(str(sorted(_plain(i).items())) for i in inspector.get_indexes(table)),
            "foreign_keys": sorted(
                str(sorted(fk.items())) for fk in inspector.get_foreign_keys(table)
            ),
        }
        for table in sorted(inspector.get_table_names())
    }


def _plain(index: Any) -> dict[str, Any]:
    """An index as comparable text: a partial index's condition is a SQL clause object."""
    options = {key: str(value) for key, value in index.get("dialect_options", {}).items()}
    return {**index, "dialect_options": options}


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def model_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        difference
        for difference in compare_metadata(context, metadata)
        if not _is_fulltext_object(difference)
    ]


def _is_fulltext_object(difference: Any) -> bool:
    """The full-text objects the migration adds outside the models."""
    if isinstance(difference, list):  # column modifications come as a list of changes
        return False
    kind, target = difference[0], difference[1]
    name = getattr(target, "name", None)
    if kind == "remove_table":
        return name in SQLITE_FTS_TABLES
    if kind == "remove_index":
        return name in POSTGRES_ONLY_INDEXES
    if kind == "remove_column":
        return difference[3].name == "search_vector"
    return False


async def test_upgrade_builds_every_table_at_the_head_revision(empty_database: Database) -> None:
    await upgrade(empty_database)

    tables = await inspect_with(empty_database, lambda c: set(inspect(c).get_table_names()))
    assert set(metadata.tables) <= tables
    assert await inspect_with(empty_database, current_revision) == head_revision()


async def test_the_migrated_schema_matches_the_models(empty_database: Database) -> None:
    await upgrade(empty_database)
    assert await inspect_with(empty_database, model_differences) == []


async def test_a_second_upgrade_changes_nothing(empty_database: Database) -> None:
    await upgrade(empty_database)
    before = await inspect_with(empty_database, schema_of)
    now = utcnow()
    async with empty_database.transaction() as session:
        await session.conn.execute(
            insert(workspace).values(id=new_id(), name="kept", created_at=now, updated_at=now)
        )

    await upgrade(empty_database)

    assert await inspect_with(empty_database, schema_of) == before
    assert await inspect_with(empty_database, current_revision) == head_revision()
    async with empty_database.read() as session:
        count = (await session.conn.execute(select(func.count()).select_from(workspace))).scalar()
    assert count == 1


async def test_downgrade_to_base_empties_the_database_and_upgrade_rebuilds_it(
    empty_database: Database,
) -> None:
    await upgrade(empty_database)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(empty_database.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    await empty_database.run_sync(downgrade)
    left = await inspect_with(empty_database, lambda c: set(inspect(c).get_table_names()))
    assert left <= {"alembic_version"}

    await upgrade(empty_database)
    assert await inspect_with(empty_database, current_revision) == head_revision()


async def test_the_fulltext_objects_exist(empty_database: Database) -> None:
    await upgrade(empty_database)
    async with empty_database.read() as session:
        if session.caps.name == "sqlite":
            rows = await session.conn.execute(
                text("SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'message_fts%'")
            )
            objects = {(row.type, row.name): row.sql for row in rows}
            assert "fts5" in objects["table", "message_fts"].lower()
            assert {name for kind, name in objects if kind == "trigger"} == SQLITE_FTS_TRIGGERS
        else:
            column = await session.conn.execute(
                text(
                    "SELECT data_type, is_generated FROM information_schema.columns "
                    "WHERE table_name = 'message' AND column_name = 'search_vector'"
                )
            )
            assert column.one() == ("tsvector", "ALWAYS")
            indexes = await session.conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'message'")
            )
            definitions = dict(indexes.all())
            assert "gin (search_vector)" in definitions["ix_message_search"]
            assert "gin (tags jsonb_path_ops)" in definitions["ix_message_tags"]
            # New rows go straight into the GIN indexes: a pending list slows every search.
            options = await session.conn.execute(
                text(
                    "SELECT relname, reloptions FROM pg_class "
                    "WHERE relname IN ('ix_message_search', 'ix_message_tags')"
                )
            )
            assert dict(options.all()) == {
                name: ["fastupdate=off"] for name in POSTGRES_ONLY_INDEXES
            }
