"""The unit of work: a transaction commits when its block ends and rolls back on error,
after-commit callbacks run only once it has committed, and savepoints work both ways the
``Conn`` protocol offers on both engines."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from hubbub.config import Settings
from hubbub.db.migrate import upgrade
from hubbub.db.models import workspace
from hubbub.db.prepared import prepared
from hubbub.db.uow import Database, Session
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from tests.db.rows import insert_workspace


class Boom(Exception):
    pass


async def workspace_exists(database: Database, workspace_id: str) -> bool:
    async with database.read() as session:
        return await exists_in(session, workspace_id)


async def exists_in(session: Session, workspace_id: str) -> bool:
    count = await session.conn.execute(
        select(func.count()).select_from(workspace).where(workspace.c.id == workspace_id)
    )
    return count.scalar_one() == 1


async def write_then_fail(database: Database, created: list[str], notified: list[str]) -> None:
    async with database.transaction() as session:
        created.append(await insert_workspace(session))
        session.after_commit(lambda: notified.append("notified"))
        raise Boom


async def write_in_savepoint_then_fail(session: Session, created: list[str]) -> None:
    async with session.conn.begin_nested():
        created.append(await insert_workspace(session))
        raise Boom


async def insert_twin(session: Session, workspace_id: str) -> None:
    now = utcnow()
    await session.conn.execute(
        workspace.insert().values(id=workspace_id, name="twin", created_at=now, updated_at=now)
    )


class TestTransaction:
    async def test_commits_when_the_block_ends(self, database: Database) -> None:
        async with database.transaction() as session:
            workspace_id = await insert_workspace(session)
        assert await workspace_exists(database, workspace_id)

    async def test_rolls_back_on_error_and_lets_the_error_through(self, database: Database) -> None:
        created: list[str] = []
        with pytest.raises(Boom):
            await write_then_fail(database, created, [])
        assert not await workspace_exists(database, created[0])
        # The write lock (SQLite) or the connection (PostgreSQL) was given back.
        async with database.transaction() as session:
            assert await exists_in(session, await insert_workspace(session))

    async def test_after_commit_callbacks_run_after_the_commit_in_order(
        self, database: Database
    ) -> None:
        ran: list[str] = []
        async with database.transaction() as session:
            workspace_id = await insert_workspace(session)
            session.after_commit(lambda: ran.append("first"))
            session.after_commit(lambda: ran.append("second"))
            assert ran == []
        assert ran == ["first", "second"]
        assert await workspace_exists(database, workspace_id)

    async def test_after_commit_callbacks_are_dropped_on_rollback(self, database: Database) -> None:
        ran: list[str] = []
        with pytest.raises(Boom):
            await write_then_fail(database, [], ran)
        assert ran == []

    async def test_a_failing_callback_neither_undoes_the_commit_nor_stops_the_others(
        self, database: Database, caplog: pytest.LogCaptureFixture
    ) -> None:
        ran: list[str] = []

        def fail() -> None:
            raise Boom

        with caplog.at_level(logging.ERROR, logger="hubbub.db.uow"):
            async with database.transaction() as session:
                workspace_id = await insert_workspace(session)
                session.after_commit(fail)
                session.after_commit(lambda: ran.append("still notified"))
        assert ran == ["still notified"]
        assert await workspace_exists(database, workspace_id)
        assert "after-commit callback failed" in caplog.text

    async def test_a_read_transaction_keeps_nothing(self, database: Database) -> None:
        async with database.read() as session:
            workspace_id = await insert_workspace(session)
            assert await exists_in(session, workspace_id)
        assert not await workspace_exists(database, workspace_id)


class TestSavepoints:
    async def test_an_awaited_savepoint_rolls_back_only_its_own_writes(
        self, database: Database
    ) -> None:
        async with database.transaction() as session:
            kept = await insert_workspace(session)
            savepoint = await session.conn.begin_nested()
            undone = await insert_workspace(session)
            await savepoint.rollback()
            assert not await exists_in(session, undone)
            after = await insert_workspace(session)
        assert await workspace_exists(database, kept)
        assert await workspace_exists(database, after)
        assert not await workspace_exists(database, undone)

    async def test_an_awaited_savepoint_can_be_released(self, database: Database) -> None:
        async with database.transaction() as session:
            savepoint = await session.conn.begin_nested()
            inner = await insert_workspace(session)
            await savepoint.commit()
        assert await workspace_exists(database, inner)

    async def test_a_savepoint_block_keeps_its_writes_when_it_ends(
        self, database: Database
    ) -> None:
        async with database.transaction() as session:
            async with session.conn.begin_nested():
                inner = await insert_workspace(session)
            outer = await insert_workspace(session)
        assert await workspace_exists(database, inner)
        assert await workspace_exists(database, outer)

    async def test_a_savepoint_block_rolls_back_on_error_and_the_transaction_goes_on(
        self, database: Database
    ) -> None:
        async with database.transaction() as session:
            outer = await insert_workspace(session)
            undone: list[str] = []
            with pytest.raises(Boom):
                await write_in_savepoint_then_fail(session, undone)
            assert not await exists_in(session, undone[0])
            assert await exists_in(session, outer)
        assert await workspace_exists(database, outer)
        assert not await workspace_exists(database, undone[0])

    async def test_a_failed_statement_in_a_savepoint_leaves_the_transaction_usable(
        self, database: Database
    ) -> None:
        """The get-or-create pattern: try an insert that may collide, carry on if it does
        (PostgreSQL would otherwise abort the whole transaction)."""
        async with database.transaction() as session:
            existing = await insert_workspace(session)
            with pytest.raises(IntegrityError):
                async with session.conn.begin_nested():
                    await insert_twin(session, existing)
            savepoint = await session.conn.begin_nested()
            with pytest.raises(IntegrityError):
                await insert_twin(session, existing)
            await savepoint.rollback()
            after = await insert_workspace(session)
        assert await workspace_exists(database, existing)
        assert await workspace_exists(database, after)


# A registered statement, as repositories register theirs (``hubbub.db.prepared``).
_INSERT_WORKSPACE = prepared(insert(workspace))


async def test_statements_commit_each_registered_statement_by_itself_on_postgresql(
    database: Database,
) -> None:
    """``Database.statements``: on PostgreSQL each registered statement is its own
    transaction, so a later error does not undo it; on SQLite the block is one transaction."""
    workspace_id = new_id()
    now = utcnow()
    values = {"id": workspace_id, "name": "alone", "created_at": now, "updated_at": now}
    counts: list[int] = []

    async def insert_then_fail() -> None:
        async with database.statements() as session:
            counts.append((await session.conn.execute(_INSERT_WORKSPACE, values)).rowcount)
            raise Boom

    with pytest.raises(Boom):
        await insert_then_fail()
    assert counts == [1]  # sent at once, not deferred
    kept = await workspace_exists(database, workspace_id)
    assert kept == (database.caps.name == "postgresql")


async def test_statements_returning_rows_give_them_on_both_engines(database: Database) -> None:
    async with database.transaction() as session:
        workspace_id = await insert_workspace(session, name="before")
    async with database.statements() as session:
        rows = await session.conn.execute(
            _RENAME, {"name": "after", "b_id": workspace_id, "updated_at": utcnow()}
        )
        assert [tuple(row._mapping.values()) for row in rows] == [(workspace_id, "after")]


_RENAME = prepared(
    update(workspace)
    .where(workspace.c.id == bindparam("b_id"))
    .returning(workspace.c.id, workspace.c.name)
)


@pytest.mark.parametrize(("setting", "pragma"), [("normal", 1), ("full", 2)])
async def test_sqlite_syncs_commits_as_configured(
    tmp_path: Path, setting: Literal["normal", "full"], pragma: int
) -> None:
    settings = Settings(data_dir=tmp_path, secret="s", sqlite_synchronous=setting)
    database = Database(
        f"sqlite+aiosqlite:///{tmp_path / 'sync.db'}",
        sqlite_synchronous=settings.sqlite_synchronous,
    )
    await upgrade(database)
    try:
        async with database.transaction() as session:
            result = await session.conn.execute(text("PRAGMA synchronous"))
            assert result.scalar_one() == pragma
        async with database.read() as session:
            result = await session.conn.execute(text("PRAGMA synchronous"))
            assert result.scalar_one() == pragma
    finally:
        await database.dispose()
