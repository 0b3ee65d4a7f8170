"""Prepared statements give the same answers as SQLAlchemy: a prepared SELECT's rows carry
the columns' result types (JSON decoded, micros back to aware datetimes), by position and by
name, on both engines (PostgreSQL runs them through SQLAlchemy itself)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select

from hubbub.db.models import message
from hubbub.db.prepared import prepared
from hubbub.db.uow import Session
from tests.db.rows import insert_message, insert_thread

BY_ID = message.c.id == bindparam("id")
PREPARED_MESSAGE = prepared(select(message).where(BY_ID))
PREPARED_TEXT = prepared(select(message.c.text).where(message.c.workspace_id == bindparam("ws")))
PLAIN_MESSAGE = select(message).where(BY_ID)


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
