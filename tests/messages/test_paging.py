"""Keyset paging: to the end in both orders, stable while messages arrive, and one index range
scan per page whatever its depth."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import text as sql_text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from hubbub.db.uow import Database, Session
from hubbub.kit.cursors import Cursor, Order
from hubbub.messages.listing import resolve_query
from hubbub.messages.repository import MessageRepository
from hubbub.messages.schemas import MessageFilter
from hubbub.messages.service import message as message_service
from tests.conftest import make_workspace
from tests.messages.dataset import Dataset, names, reference
from tests.messages.factories import make_scene, send, text


async def page_all(
    database: Database, workspace_id: str, order: Order, limit: int, **filters: Any
) -> list[str]:
    seen: list[str] = []
    cursor: Cursor | None = None
    while True:
        async with database.read() as session:
            page, cursor = await message_service.list(
                session,
                workspace_id,
                MessageFilter(**filters),
                limit=limit,
                order=order,
                cursor=cursor,
            )
        seen += [m.id for m in page]
        if cursor is None:
            return seen
        await asyncio.sleep(0)  # let concurrent writers in between pages


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 500])
async def test_paging_to_the_end(
    database: Database, dataset: Dataset, order: Order, limit: int
) -> None:
    everything = reference(dataset, MessageFilter())
    expected = everything if order == "desc" else everything[::-1]
    assert await page_all(database, dataset.workspace_id, order, limit) == expected
    sms = dataset.conversations["sms"].id
    in_sms = [
        i for i in expected if dataset.messages[names(dataset, [i])[0]].conversation_id == sms
    ]
    assert await page_all(database, dataset.workspace_id, order, 1, conversation_id=sms) == in_sms


async def test_pages_never_skip_or_repeat_while_messages_arrive(database: Database) -> None:
    workspace = await make_workspace(database, "paging")
    async with database.transaction() as session:
        scene = await make_scene(session, workspace.id)
        before = [
            (await send(session, workspace.id, conversation_id=scene.conversation.id)).id
            for _ in range(60)
        ]

    async def keep_writing() -> None:
        for n in range(40):
            async with database.transaction() as session:
                await send(
                    session,
                    workspace.id,
                    conversation_id=scene.conversation.id,
                    payload=text(f"late {n}"),
                )
            await asyncio.sleep(0)

    runs = await asyncio.gather(
        page_all(database, workspace.id, "asc", 4),
        page_all(database, workspace.id, "desc", 4),
        page_all(database, workspace.id, "desc", 5, conversation_id=scene.conversation.id),
        keep_writing(),
    )
    for seen in runs[:3]:
        assert seen is not None
        assert len(seen) == len(set(seen)), "no message twice"
        assert set(before) <= set(seen), "every message that existed is seen"
        assert [i for i in seen if i in set(before)] in (before, before[::-1])


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"conversation_id": "c"}, "ix_message_conversation_created"),
        (
            {"conversation_id": "c", "direction": "incoming", "tags": ["a=b"]},
            "ix_message_conversation_created",
        ),
        ({"channel_id": "c"}, "ix_message_channel_created"),
        ({}, "ix_message_workspace_created"),
        ({"status": ["read"], "recipient": "x", "sender": "y"}, "ix_message_workspace_created"),
    ],
)
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_a_page_is_one_index_range_scan(
    database: Database, filters: dict[str, Any], index: str, order: Order
) -> None:
    """Deep pages cost what the first does: the cursor bounds an index range and the index
    gives the order, so nothing is sorted or skipped over."""
    async with database.read() as session:
        query = await resolve_query(session, "w", MessageFilter(**filters))
        assert query is not None
        statement = MessageRepository(session).page_statement(
            "w", query, limit=51, order=order, after=Cursor(10**15, "id", order)
        )
        plan = await explain(session, statement)
    if database.caps.name == "sqlite":
        assert plan[0].startswith(f"SEARCH message USING INDEX {index} (")
        assert "(created_at,id)<" in plan[0] or "(created_at,id)>" in plan[0]
        assert not any("TEMP B-TREE" in step for step in plan), plan
        return
    # Which keyset index PostgreSQL picks follows its statistics (the workspace here is
    # empty); that the cursor bounds the scan and no sort follows does not.
    [steps] = plan
    assert re.search(r"Index Scan (Backward )?using ix_message_\w+_created on message", steps)
    assert "(created_at, (id)::text) " in steps
    assert "Sort" not in steps


class Explain(Executable, ClauseElement):
    """``EXPLAIN`` around a statement, its parameters bound as usual (the SQLAlchemy recipe)."""

    inherit_cache = False

    def __init__(self, statement: Any, prefix: str) -> None:
        self.statement = statement
        self.prefix = prefix


@compiles(Explain)
def _compile_explain(element: Explain, compiler: Any, **kw: Any) -> str:
    return f"{element.prefix} {compiler.process(element.statement, **kw)}"


async def explain(session: Session, statement: Any) -> list[str]:
    """The plan of ``statement``. PostgreSQL's planner prefers a sequential scan on a table this
    small, so it is told to avoid scans and sorts it has alternatives to: a plan that still
    sorts would show a Sort node, proving the index cannot give the order."""
    if session.caps.name == "sqlite":
        rows = await session.conn.execute(Explain(statement, "EXPLAIN QUERY PLAN"))
        return [row[-1] for row in rows]
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        await session.conn.execute(sql_text(f"SET LOCAL {setting} = off"))
    rows = await session.conn.execute(Explain(statement, "EXPLAIN"))
    return [" ".join(row[0] for row in rows)]
