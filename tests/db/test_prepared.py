"""Prepared statements give the same answers as SQLAlchemy: a prepared SELECT's rows carry
the columns' result types (JSON decoded, micros back to aware datetimes), by position and by
name, on both engines (on PostgreSQL straight on asyncpg, inside SQLAlchemy's transaction)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from hubbub.db.models import message
from hubbub.db.prepared import prepared
from hubbub.db.uow import Session
from tests.db.rows import insert_message, insert_thread

BY_ID = message.c.id == bindparam("id")
PREPARED_MESSAGE = prepared(select(message).where(BY_ID))
PREPARED_TEXT = prepared(select(message.c.text).where(message.c.workspace_id == bindparam("ws")))
PLAIN_MESSAGE = select(message).where(BY_ID)
# One parameter used twice: PostgreSQL numbers it once ($1), SQLite binds it twice.
PREPARED_RENAME = prepared(
    update(message)
    .where(message.c.id == bindparam("target"))
    .values(text=bindparam("new"), subject=bindparam("new"))
)
PREPARED_CLONE = prepared(insert(message))


async def test_a_prepared_select_reads_what_sqlalchemy_reads(session: Session) -> None:
    thread = await insert_thread(session)
    message_id = await insert_message(
        session, thread, "héllo", recipients=[{"key": "emailaddress", "value": "a@b.example"}]
    )
    fast = (await session.conn.execute(PREPARED_MESSAGE, {"id": message_id})).one_or_none()
    plain = (await session.conn.execute(PLAIN_MESSAGE, {"id": message_id})).one_or_none()
    assert fast is not None
    assert plain is not None
    assert dict(fast._mapping) == dict(plain._mapping)
    assert isinstance(fast._mapping["created_at"], datetime)
    assert fast._mapping["created_at"].tzinfo is not None
    assert fast._mapping["payload"] == {"type": "text", "text": "héllo"}
    assert fast[0] == message_id


async def test_a_prepared_select_gives_scalars_in_order_and_none_when_empty(
    session: Session,
) -> None:
    thread = await insert_thread(session)
    for text in ("one", "two", "three"):
        await insert_message(session, thread, text)
    texts = (await session.conn.execute(PREPARED_TEXT, {"ws": thread.workspace_id})).scalars()
    assert sorted(texts) == ["one", "three", "two"]
    missing = await session.conn.execute(PREPARED_MESSAGE, {"id": "no-such-message"})
    assert missing.one_or_none() is None


async def test_a_prepared_write_counts_rows_and_refuses_like_sqlalchemy(session: Session) -> None:
    """Writes give their row count, also for a statement that repeats a parameter, and a
    refused row raises SQLAlchemy's own error, whichever driver ran the statement."""
    thread = await insert_thread(session)
    message_id = await insert_message(session, thread, "before")
    changed = await session.conn.execute(PREPARED_RENAME, {"target": message_id, "new": "after"})
    assert changed.rowcount == 1
    missed = await session.conn.execute(PREPARED_RENAME, {"target": "no-such", "new": "x"})
    assert missed.rowcount == 0
    row = (await session.conn.execute(PLAIN_MESSAGE, {"id": message_id})).one()
    assert (row.text, row.subject) == ("after", "after")
    savepoint = await session.conn.begin_nested()
    with pytest.raises(IntegrityError):
        await session.conn.execute(PREPARED_CLONE, dict(row._mapping))
    await savepoint.rollback()
