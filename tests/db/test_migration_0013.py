"""Migration 0013 on each engine: a chat Channel.io snoozed before the core had snoozes gets its
end as ``snoozed_until`` (from the attribute, which goes) and the job that will reopen it."""

from __future__ import annotations

import sqlalchemy as sa

from hubbub.db.migrate import upgrade
from hubbub.db.types import Json
from hubbub.db.uow import Database
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.ids import new_id

# The tables as revision 0012 had them (the columns this test writes).
workspace = sa.table(
    "workspace",
    *(sa.column(name, sa.String()) for name in ("id", "name")),
    *(sa.column(name, sa.BigInteger()) for name in ("created_at", "updated_at")),
)
conversation = sa.table(
    "conversation",
    *(sa.column(name, sa.String()) for name in ("id", "workspace_id", "status")),
    *(sa.column(name, Json) for name in ("tags", "attributes")),
    *(sa.column(name, sa.BigInteger()) for name in ("message_count", "created_at", "updated_at")),
)


async def test_a_channelio_snooze_moves_to_the_core(empty_database: Database) -> None:
    await upgrade(empty_database, "0012")
    now = to_micros(utcnow())
    until_ms = now // 1000 + 3_600_000
    workspace_id, snoozed, closed = new_id(), new_id(), new_id()
    legacy = {"channelio.snoozedUntil": until_ms, "description": "kept"}
    async with empty_database.transaction() as session:
        await session.conn.execute(
            workspace.insert().values(id=workspace_id, name="w", created_at=now, updated_at=now)
        )
        for conversation_id, status in ((snoozed, "snoozed"), (closed, "closed")):
            await session.conn.execute(
                conversation.insert().values(
                    id=conversation_id,
                    workspace_id=workspace_id,
                    status=status,
                    tags={},
                    attributes=legacy,
                    message_count=0,
                    created_at=now,
                    updated_at=now,
                )
            )

    await upgrade(empty_database)

    async with empty_database.read() as session:
        rows = await session.conn.execute(
            sa.text("SELECT id, snoozed_until, status_changed_at FROM conversation ORDER BY id")
        )
        found = {row.id: (row.snoozed_until, row.status_changed_at) for row in rows}
        attributes = dict(
            (
                await session.conn.execute(sa.select(conversation.c.id, conversation.c.attributes))
            ).all()
        )
        jobs = (
            await session.conn.execute(sa.text("SELECT kind, target_id, run_at FROM job"))
        ).all()
    assert found == {snoozed: (until_ms * 1000, now), closed: (None, now)}
    assert attributes == {snoozed: {"description": "kept"}, closed: legacy}
    assert [tuple(row) for row in jobs] == [("conversation.unsnooze", snoozed, until_ms * 1000)]
