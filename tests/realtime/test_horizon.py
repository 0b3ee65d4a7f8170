"""The log's safe horizon: a reader following ``seq`` must never step over an event that
commits after a later-numbered one (PostgreSQL hands out numbers before commit)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from hubbub.db.uow import Database
from hubbub.events.horizon import LogHorizon, Snapshot
from hubbub.events.service import event as event_service
from hubbub.events.service import feed
from tests.conftest import WorkspaceFixture


async def horizon_now(database: Database, horizon: LogHorizon) -> int | None:
    async with database.read() as session:
        return await horizon.advance(session)


async def latest(database: Database, workspace_id: str) -> int:
    async with database.read() as session:
        return await feed.latest_seq(session, workspace_id)


async def record(database: Database, workspace_id: str, kind: str) -> None:
    async with database.transaction() as session:
        await event_service.record(session, workspace_id, type=kind)


def test_snapshot_text_is_parsed() -> None:
    snapshot = Snapshot.parse("100:105:101,103")
    assert snapshot.running == frozenset({101, 103})
    assert snapshot.has_ended(99)
    assert snapshot.has_ended(102)
    assert not snapshot.has_ended(101)
    assert not snapshot.has_ended(105)  # not even started when the snapshot was taken


async def test_the_horizon_reaches_committed_events(
    database: Database, workspace: WorkspaceFixture
) -> None:
    horizon = LogHorizon(database.caps)
    await horizon_now(database, horizon)
    await record(database, workspace.id, "test.one")
    await record(database, workspace.id, "test.two")
    newest = await latest(database, workspace.id)
    for _ in range(3):  # an observation settles on the next look at the latest
        if (await horizon_now(database, horizon) or 0) >= newest:
            break
    assert horizon.safe is not None
    assert horizon.safe >= newest


async def test_a_late_commit_holds_the_horizon_back(
    database: Database, workspace: WorkspaceFixture
) -> None:
    """Transaction A takes a number, B takes the next and commits first: the horizon stays
    below A's number until A commits. (SQLite has one writer at a time, so there B waits for
    A and numbers commit in order; the interleaving below needs two writers.)"""
    if database.caps.single_writer:
        await record(database, workspace.id, "test.single_writer")
        horizon = LogHorizon(database.caps)
        assert await horizon_now(database, horizon) == await latest_global(database)
        return
    horizon = LogHorizon(database.caps)
    await horizon_now(database, horizon)
    a_inserted, a_may_commit = asyncio.Event(), asyncio.Event()
    slow_seq: list[int] = []

    async def slow_writer() -> None:
        async with database.transaction() as session:
            await event_service.record(session, workspace.id, type="test.slow")
            drawn = await session.conn.execute(
                text("SELECT currval(pg_get_serial_sequence('event', 'seq'))")
            )
            slow_seq.append(int(drawn.scalar_one()))
            a_inserted.set()
            await a_may_commit.wait()

    slow = asyncio.create_task(slow_writer())
    await a_inserted.wait()
    await record(database, workspace.id, "test.fast")
    fast_seq = await latest(database, workspace.id)
    assert slow_seq[0] < fast_seq
    for _ in range(3):
        held = await horizon_now(database, horizon)
        assert held is None or held < slow_seq[0]
    a_may_commit.set()
    await slow
    for _ in range(3):
        if (await horizon_now(database, horizon) or 0) >= fast_seq:
            break
    assert horizon.safe is not None
    assert horizon.safe >= fast_seq


async def latest_global(database: Database) -> int:
    async with database.read() as session:
        result = await session.conn.execute(text("SELECT coalesce(max(seq), 0) FROM event"))
        return int(result.scalar_one())


async def test_an_event_insert_takes_a_transaction_id_before_its_number(
    database: Database, workspace: WorkspaceFixture
) -> None:
    """Migration 0004's ``seq`` default on PostgreSQL: even as the transaction's first write,
    the insert holds a transaction id (so readers see it as running) before it draws a
    number."""
    async with database.transaction() as session:
        await event_service.record(session, workspace.id, type="test.first_write")
        if database.caps.single_writer:
            return
        assigned = await session.conn.execute(text("SELECT pg_current_xact_id_if_assigned()"))
        assert assigned.scalar_one() is not None
        default = await session.conn.execute(
            text(
                "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef "
                "JOIN pg_attribute ON attrelid = adrelid AND attnum = adnum "
                "WHERE adrelid = 'event'::regclass AND attname = 'seq'"
            )
        )
        assert default.scalar_one() == "hubbub_next_event_seq()"
