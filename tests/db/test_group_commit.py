"""Group commit on SQLite: concurrent write transactions share one COMMIT, yet each one
behaves as if it were alone — a failing writer rolls back only its own changes, nothing is
visible before the COMMIT, and a writer's block returns only once its changes are durable."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hubbub.db.group_commit import GroupAborted, GroupCommitWriter
from hubbub.db.migrate import upgrade
from hubbub.db.models import workspace
from hubbub.db.uow import Database, Session
from tests.db.rows import insert_workspace
from tests.db.test_uow import Boom, workspace_exists


@pytest.fixture
async def sqlite(tmp_path: Path) -> Database:
    # A database of its own: commits are counted, so no other test may write meanwhile.
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'group.db'}")
    await upgrade(database)
    return database


def writer_of(database: Database) -> GroupCommitWriter:
    assert database.writer is not None
    return database.writer


async def write_one(database: Database, *, fail: bool = False) -> str:
    async with database.transaction() as session:
        workspace_id = await insert_workspace(session)
        if fail:
            raise Boom
    return workspace_id


async def count_workspaces(database: Database) -> int:
    async with database.read() as session:
        result = await session.conn.execute(select(func.count()).select_from(workspace))
        return int(result.scalar_one())


async def test_concurrent_writers_share_commits(sqlite: Database) -> None:
    before = writer_of(sqlite).commits
    created = await asyncio.gather(*(write_one(sqlite) for _ in range(40)))
    assert len(set(created)) == 40
    assert await count_workspaces(sqlite) == 40
    commits = writer_of(sqlite).commits - before
    assert 1 <= commits < 40


async def test_a_lone_writer_commits_before_its_block_returns(sqlite: Database) -> None:
    before = writer_of(sqlite).commits
    workspace_id = await write_one(sqlite)
    assert writer_of(sqlite).commits == before + 1
    assert await workspace_exists(sqlite, workspace_id)


async def test_a_failing_writer_rolls_back_alone(sqlite: Database) -> None:
    results = await asyncio.gather(
        *(write_one(sqlite, fail=index % 3 == 0) for index in range(12)), return_exceptions=True
    )
    failed = [result for result in results if isinstance(result, Boom)]
    written = [result for result in results if isinstance(result, str)]
    assert len(failed) == 4
    assert len(written) == 8
    assert await count_workspaces(sqlite) == 8
    for workspace_id in written:
        assert await workspace_exists(sqlite, workspace_id)


async def test_a_writer_leaving_its_own_savepoint_open_does_not_spoil_the_group(
    sqlite: Database,
) -> None:
    async def fail_inside_savepoint() -> None:
        async with sqlite.transaction() as session:
            await session.conn.begin_nested()
            await insert_workspace(session)
            raise Boom

    results = await asyncio.gather(
        write_one(sqlite), fail_inside_savepoint(), write_one(sqlite), return_exceptions=True
    )
    assert isinstance(results[1], Boom)
    assert await count_workspaces(sqlite) == 2


async def test_nothing_is_visible_before_the_group_commits(sqlite: Database) -> None:
    seen_inside: list[bool] = []

    async def write_and_look() -> None:
        async with sqlite.transaction() as session:
            workspace_id = await insert_workspace(session)
            seen_inside.append(await workspace_exists(sqlite, workspace_id))

    await asyncio.gather(write_and_look(), write_and_look())
    assert seen_inside == [False, False]
    assert await count_workspaces(sqlite) == 2


async def test_after_commit_callbacks_run_once_the_group_committed(sqlite: Database) -> None:
    observed: list[bool] = []

    async def write_with_callback() -> None:
        async with sqlite.transaction() as session:
            workspace_id = await insert_workspace(session)
            session.after_commit(lambda: observed.append(True))
        # The callback ran before the block returned, and the row is durable by then.
        assert observed
        assert await workspace_exists(sqlite, workspace_id)

    await asyncio.gather(*(write_with_callback() for _ in range(5)))
    assert len(observed) == 5


async def test_a_cancelled_writer_does_not_cancel_the_others(sqlite: Database) -> None:
    tasks = [asyncio.create_task(write_one(sqlite)) for _ in range(6)]
    await asyncio.sleep(0)  # every writer has run its turn; the COMMIT is pending
    tasks[0].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, str) for result in results[1:])
    # The cancelled writer's turn was already done: its row commits with the group.
    assert await count_workspaces(sqlite) == 6


async def test_the_commit_hooks_run_once_per_committed_group(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'hooks.db'}")
    await upgrade(database)
    events: list[str] = []
    assert database.sync_engine is not None
    database.writer = GroupCommitWriter(
        database.sync_engine,
        before_commit=lambda driver: events.append(f"before {driver.in_transaction}"),
        after_commit=lambda: events.append("after"),
    )
    await asyncio.gather(*(write_one(database) for _ in range(10)))
    commits = database.writer.commits
    assert commits >= 1
    assert events == ["before True", "after"] * commits
    await database.dispose()


async def test_a_failing_before_commit_fails_every_writer_of_its_group(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'failing.db'}")
    await upgrade(database)
    assert database.sync_engine is not None

    def refuse(driver: object) -> None:
        raise Boom

    database.writer = GroupCommitWriter(database.sync_engine, before_commit=refuse)
    results = await asyncio.gather(*(write_one(database) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(result, Boom) for result in results)
    assert await count_workspaces(database) == 0
    await database.dispose()


def driver_of(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection under a group writer's session (``hubbub.db.uow.SyncConn``)."""
    driver = session.conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]
    assert isinstance(driver, sqlite3.Connection)
    return driver


async def fill_the_disk(database: Database) -> None:
    """A writer whose INSERT finds the disk full: ``max_page_count`` (on this connection only)
    is the database's size, so SQLite answers SQLITE_FULL and rolls the whole shared
    transaction back, as it does on a real full disk or an I/O error."""
    async with database.transaction() as session:
        driver_of(session).execute("PRAGMA max_page_count = 1")
        try:
            await insert_workspace(session, name="x" * 200_000)
        finally:
            # The setting stays with the pooled connection: give later writers their room.
            driver_of(session).execute("PRAGMA max_page_count = 1073741823")


@pytest.mark.parametrize("position", [0, 3, 7])
async def test_a_transaction_sqlite_rolled_back_fails_its_whole_group(
    sqlite: Database, position: int
) -> None:
    writers = [write_one(sqlite) for _ in range(8)]
    writers.insert(position, fill_the_disk(sqlite))
    results = await asyncio.gather(*writers, return_exceptions=True)

    acknowledged = [result for result in results if isinstance(result, str)]
    refused = [result for result in results if isinstance(result, BaseException)]
    # Nothing acknowledged was lost, and nothing lost was acknowledged.
    assert await count_workspaces(sqlite) == len(acknowledged)
    for workspace_id in acknowledged:
        assert await workspace_exists(sqlite, workspace_id)
    assert isinstance(results[position], GroupAborted)
    assert all(isinstance(error, GroupAborted) for error in refused), refused
    # The group is gone; the next writer opens a new transaction and commits.
    assert await workspace_exists(sqlite, await write_one(sqlite))


async def test_a_writer_that_goes_on_after_sqlite_ended_the_transaction_fails(
    sqlite: Database,
) -> None:
    async def roll_back_behind_the_group() -> str:
        async with sqlite.transaction() as session:
            workspace_id = await insert_workspace(session)
            driver_of(session).execute(
                "ROLLBACK"
            )  # what SQLite does on SQLITE_FULL or SQLITE_IOERR
        return workspace_id

    results = await asyncio.gather(
        write_one(sqlite), roll_back_behind_the_group(), return_exceptions=True
    )
    assert all(isinstance(result, GroupAborted) for result in results), results
    assert await count_workspaces(sqlite) == 0
