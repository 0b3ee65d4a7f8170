"""Telling a value the database refuses (the caller's fault) from other statement errors."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text

from hubbub.db.errors import STATEMENT_ERRORS, is_unstorable_value
from hubbub.db.models import event, workspace
from hubbub.db.uow import Database
from hubbub.kit.clock import utcnow
from tests.db.rows import insert_workspace


async def test_a_number_beyond_64_bits_is_an_unstorable_value(database: Database) -> None:
    async with database.read() as session:
        with pytest.raises(STATEMENT_ERRORS) as raised:
            await session.conn.execute(select(event.c.seq).where(event.c.seq > 10**30))
    assert is_unstorable_value(raised.value)


async def test_a_nul_character_is_an_unstorable_value_where_it_is_refused(
    database: Database,
) -> None:
    async with database.read() as session:
        if session.caps.name == "sqlite":  # SQLite stores NUL characters in text
            found = await session.conn.execute(select(workspace).where(workspace.c.id == "a\x00"))
            assert found.all() == []
            return
        with pytest.raises(STATEMENT_ERRORS) as raised:
            await session.conn.execute(select(workspace).where(workspace.c.id == "a\x00"))
    assert is_unstorable_value(raised.value)


async def test_other_statement_errors_are_not(database: Database) -> None:
    async with database.transaction() as session:
        existing = await insert_workspace(session)
        savepoint = await session.conn.begin_nested()
        with pytest.raises(STATEMENT_ERRORS) as duplicate:
            await session.conn.execute(
                insert(workspace).values(
                    id=existing, name="twin", created_at=utcnow(), updated_at=utcnow()
                )
            )
        await savepoint.rollback()
        savepoint = await session.conn.begin_nested()
        with pytest.raises(STATEMENT_ERRORS) as missing_table:
            await session.conn.execute(text("SELECT * FROM no_such_table"))
        await savepoint.rollback()
    assert not is_unstorable_value(duplicate.value)
    assert not is_unstorable_value(missing_table.value)
    assert not is_unstorable_value(OverflowError("math range error"))
