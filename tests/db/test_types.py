"""The ``Timestamp`` column type: aware datetimes in, the same instants out as UTC, exact to
the microsecond, stored as integer microseconds on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, text

from hubbub.db.models import access_key, workspace
from hubbub.db.uow import Database, Session
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id

AMSTERDAM_SUMMER = timezone(timedelta(hours=2))
KOLKATA = timezone(timedelta(hours=5, minutes=30))
HONOLULU = timezone(timedelta(hours=-10))


async def store(session: Session, created_at: datetime, updated_at: datetime) -> str:
    workspace_id = new_id()
    await session.conn.execute(
        insert(workspace).values(
            id=workspace_id, name="times", created_at=created_at, updated_at=updated_at
        )
    )
    return workspace_id


async def load(session: Session, workspace_id: str) -> tuple[datetime, datetime]:
    row = (
        await session.conn.execute(
            select(workspace.c.created_at, workspace.c.updated_at).where(
                workspace.c.id == workspace_id
            )
        )
    ).one()
    return row.created_at, row.updated_at


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 2, 29, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2024, 7, 1, 12, 0, 0, 1, tzinfo=AMSTERDAM_SUMMER),
        datetime(2030, 1, 1, 0, 0, 0, 123_456, tzinfo=KOLKATA),
        datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=HONOLULU),
        datetime(1970, 1, 1, tzinfo=UTC),
    ],
)
async def test_round_trips_the_instant_to_the_microsecond_as_utc(
    database: Database, moment: datetime
) -> None:
    async with database.transaction() as session:
        workspace_id = await store(session, moment, moment)
    async with database.read() as session:
        created_at, _ = await load(session, workspace_id)
    assert created_at == moment
    assert created_at.tzinfo == UTC
    assert created_at.utcoffset() == timedelta(0)
    assert created_at.microsecond == moment.astimezone(UTC).microsecond


async def test_stores_integer_microseconds_since_the_epoch(database: Database) -> None:
    moment = datetime(2001, 9, 9, 1, 46, 40, 654_321, tzinfo=UTC)
    async with database.transaction() as session:
        workspace_id = await store(session, moment, moment)
        raw = await session.conn.execute(
            text("SELECT created_at FROM workspace WHERE id = :id").bindparams(id=workspace_id)
        )
        assert raw.scalar_one() == 1_000_000_000_654_321


async def test_a_naive_datetime_is_taken_as_utc(database: Database) -> None:
    naive = datetime(2024, 5, 5, 5, 5, 5, 5)  # noqa: DTZ001  (naive on purpose)
    async with database.transaction() as session:
        workspace_id = await store(session, naive, naive)
        created_at, _ = await load(session, workspace_id)
    assert created_at == naive.replace(tzinfo=UTC)


async def test_instants_one_microsecond_apart_compare_and_order_exactly(
    database: Database,
) -> None:
    base = datetime(2025, 3, 30, 1, 59, 59, 999_999, tzinfo=UTC)
    later = base + timedelta(microseconds=1)
    async with database.transaction() as session:
        # The same instant written in two time zones compares equal in SQL too.
        first = await store(session, base, base.astimezone(KOLKATA))
        second = await store(session, later, later)
        found = await session.conn.execute(
            select(workspace.c.id)
            .where(
                workspace.c.id.in_([first, second]),
                workspace.c.created_at == workspace.c.updated_at,
                workspace.c.created_at >= base.astimezone(HONOLULU),
            )
            .order_by(workspace.c.created_at.desc())
        )
        assert found.scalars().all() == [second, first]
        after_base = await session.conn.execute(
            select(workspace.c.id).where(
                workspace.c.id.in_([first, second]), workspace.c.created_at > base
            )
        )
        assert after_base.scalars().all() == [second]


async def test_null_stays_null(database: Database) -> None:
    async with database.transaction() as session:
        workspace_id = await store(session, utcnow(), utcnow())
        await session.conn.execute(
            insert(access_key).values(
                id="hk_nulltimestamp" + new_id()[:8],
                workspace_id=workspace_id,
                name="k",
                secret_hash="0" * 64,
                scopes=["read"],
                created_at=utcnow(),
                revoked_at=None,
            )
        )
        revoked = await session.conn.execute(
            select(access_key.c.revoked_at).where(access_key.c.workspace_id == workspace_id)
        )
        assert revoked.scalar_one() is None
