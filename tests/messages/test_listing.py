"""Listing: every filter alone and combined (checked against a reference predicate over the
same messages), full-text search, keyset paging, and index use."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text as sql_text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from hubbub.contacts.schemas import Contact
from hubbub.conversations.schemas import Conversation
from hubbub.db.uow import Database, Session
from hubbub.errors import UnprocessableEntity
from hubbub.kit.clock import utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.messages.listing import resolve_query
from hubbub.messages.repository import MessageRepository
from hubbub.messages.schemas import Message, MessageFilter, MessageUpdate, StatusUpdate
from hubbub.messages.service import message as message_service
from tests.conftest import make_workspace
from tests.messages.factories import (
    make_channel,
    make_contact,
    make_conversation,
    make_scene,
    send,
    text,
)


@dataclass
class Dataset:
    workspace_id: str
    platforms: dict[str, str] = field(default_factory=dict)  # channel id -> platform
    contacts: dict[str, Contact] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    marks: dict[str, datetime] = field(default_factory=dict)

    def contact_ids_for(self, value: str) -> set[str]:
        wanted = {value, value.lower(), "".join(value.split())}
        return {
            c.id
            for c in self.contacts.values()
            if any(identifier.value in wanted for identifier in c.identifiers)
        }


async def build(session: Session, workspace_id: str) -> Dataset:
    ds = Dataset(workspace_id)
    channels = {
        p: await make_channel(session, workspace_id, p) for p in ("sms", "email", "whatsapp")
    }
    ds.platforms = {c.id: p for p, c in channels.items()}
    for name, key, value in [
        ("alice", "phonenumber", "+15550001"),
        ("bob", "emailaddress", "bob@example.com"),
        ("carol", "emailaddress", "carol@example.com"),
    ]:
        ds.contacts[name] = await make_contact(session, workspace_id, key, value)
    c = ds.contacts
    for name, channel, members in [
        ("sms", "sms", [c["alice"]]),
        ("email", "email", [c["bob"], c["carol"]]),
        ("whatsapp", "whatsapp", [c["alice"]]),
    ]:
        ds.conversations[name] = await make_conversation(
            session, workspace_id, channels[channel], members
        )
    conv = {name: conversation.id for name, conversation in ds.conversations.items()}

    async def add(name: str, **fields: Any) -> None:
        ds.messages[name] = await send(session, workspace_id, **fields)

    await add(
        "parcel",
        conversation_id=conv["sms"],
        payload=text("Hello Alice, your parcel ships today"),
        tags={"order": "1", "vip": "yes"},
        batch_id="batch-1",
    )
    await add(
        "thanks",
        conversation_id=conv["sms"],
        direction="incoming",
        payload=text("Thanks! When will it arrive?"),
    )
    await add(
        "invoice",
        channel_id=channels["email"].id,
        recipients=[{"value": "bob@example.com"}, {"value": "carol@example.com", "type": "cc"}],
        subject="Invoice 42",
        payload=text("Please find the invoice attached"),
        tags={"order": "2"},
        batch_id="batch-1",
    )
    await add(
        "reply",
        conversation_id=conv["email"],
        direction="incoming",
        author={"type": "contact", "id": c["bob"].id},
        subject="Re: Invoice 42",
        payload=text("Grüße aus München"),
    )
    ds.marks["middle"] = utcnow()
    await add(
        "privet",
        conversation_id=conv["whatsapp"],
        payload=text("привет мир"),
        tags={"vip": "no"},
    )
    await add("code", conversation_id=conv["sms"], payload=text("Your code is 123456"))
    await add(
        "sale",
        conversation_id=conv["email"],
        author={"type": "agent", "id": "agent-1"},
        payload={"type": "card", "title": "Spring sale", "subtitle": "Everything must go"},
        tags={"campaign": "spring"},
    )
    ds.marks["updates"] = utcnow()
    for target in ("delivered", "read"):
        ds.messages["code"], _ = await message_service.update_status(
            session, workspace_id, ds.messages["code"].id, StatusUpdate(status=target)
        )
    ds.messages["parcel"] = await message_service.update(
        session, workspace_id, ds.messages["parcel"].id, MessageUpdate(tags={"vip": "gold"})
    )
    return ds


@pytest_asyncio.fixture(scope="module")
async def dataset(database: Database) -> AsyncIterator[Dataset]:
    workspace = await make_workspace(database, "listing")
    async with database.transaction() as session:
        ds = await build(session, workspace.id)
    yield ds


def reference(ds: Dataset, filters: MessageFilter) -> list[str]:
    """What a list must answer: the filter as plain Python, newest first."""

    def holds(m: Message) -> bool:
        tags_ok = all(
            (m.tags.get(k) == v) if sep else (k in m.tags)
            for k, sep, v in (t.partition("=") for t in filters.tags)
        )
        checks = [
            filters.conversation_id in (None, m.conversation_id),
            filters.channel_id in (None, m.channel_id),
            filters.platform in (None, ds.platforms.get(m.channel_id or "")),
            filters.direction in (None, m.direction),
            not filters.status or m.status in filters.status,
            filters.sender is None
            or m.author.id == filters.sender
            or m.author.id in ds.contact_ids_for(filters.sender),
            filters.recipient is None
            or any(
                filters.recipient in (r.value, r.contact_id) or r.value == filters.recipient.lower()
                for r in m.recipients
            ),
            tags_ok,
            filters.created_after is None or m.created_at > filters.created_after,
            filters.created_before is None or m.created_at < filters.created_before,
            filters.updated_after is None or m.updated_at > filters.updated_after,
            filters.updated_before is None or m.updated_at < filters.updated_before,
            filters.batch_id in (None, m.batch_id),
        ]
        return all(checks)

    chosen = sorted(
        (m for m in ds.messages.values() if holds(m)),
        key=lambda m: (m.created_at, m.id),
        reverse=True,
    )
    return [m.id for m in chosen]


def names(ds: Dataset, ids: list[str]) -> list[str]:
    by_id = {m.id: name for name, m in ds.messages.items()}
    return [by_id[i] for i in ids]


FilterCase = Callable[[Dataset], dict[str, Any]]

SINGLE: dict[str, FilterCase] = {
    "conversation": lambda ds: {"conversation_id": ds.conversations["sms"].id},
    "conversation-email": lambda ds: {"conversation_id": ds.conversations["email"].id},
    "channel": lambda ds: {"channel_id": ds.conversations["email"].channel_id},
    "platform-sms": lambda ds: {"platform": "sms"},
    "platform-whatsapp": lambda ds: {"platform": "whatsapp"},
    "platform-none": lambda ds: {"platform": "webchat"},
    "incoming": lambda ds: {"direction": "incoming"},
    "outgoing": lambda ds: {"direction": "outgoing"},
    "status-read": lambda ds: {"status": ["read"]},
    "status-two": lambda ds: {"status": ["accepted", "delivered"]},
    "sender-phone": lambda ds: {"sender": "+1 555 0001"},
    "sender-email": lambda ds: {"sender": "BOB@example.com"},
    "sender-contact-id": lambda ds: {"sender": ds.contacts["alice"].id},
    "sender-agent": lambda ds: {"sender": "agent-1"},
    "sender-unknown": lambda ds: {"sender": "nobody"},
    "recipient-phone": lambda ds: {"recipient": "+15550001"},
    "recipient-email": lambda ds: {"recipient": "Carol@Example.com"},
    "recipient-contact-id": lambda ds: {"recipient": ds.contacts["bob"].id},
    "recipient-unknown": lambda ds: {"recipient": "nobody"},
    "tag-key": lambda ds: {"tags": ["vip"]},
    "tag-pair": lambda ds: {"tags": ["vip=gold"]},
    "tag-old-value": lambda ds: {"tags": ["vip=yes"]},
    "tag-key-and-pair": lambda ds: {"tags": ["vip", "order=1"]},
    "tag-missing": lambda ds: {"tags": ["missing"]},
    "created-after": lambda ds: {"created_after": ds.marks["middle"]},
    "created-before": lambda ds: {"created_before": ds.marks["middle"]},
    "updated-after": lambda ds: {"updated_after": ds.marks["updates"]},
    "updated-before": lambda ds: {"updated_before": ds.marks["updates"]},
    "batch": lambda ds: {"batch_id": "batch-1"},
}

COMBINED: dict[str, FilterCase] = {
    "conversation+direction": lambda ds: {
        "conversation_id": ds.conversations["sms"].id,
        "direction": "outgoing",
    },
    "platform+tag": lambda ds: {"platform": "sms", "tags": ["order"]},
    "channel+sender": lambda ds: {
        "channel_id": ds.conversations["email"].channel_id,
        "sender": "bob@example.com",
    },
    "direction+status+after": lambda ds: {
        "direction": "outgoing",
        "status": ["accepted"],
        "created_after": ds.marks["middle"],
    },
    "recipient+tag+batch": lambda ds: {
        "recipient": "carol@example.com",
        "tags": ["order=2"],
        "batch_id": "batch-1",
    },
    "sender+recipient": lambda ds: {"sender": "agent-1", "recipient": ds.contacts["carol"].id},
    "window": lambda ds: {
        "created_after": ds.messages["thanks"].created_at,
        "created_before": ds.messages["code"].created_at,
        "updated_before": ds.marks["updates"],
    },
    "everything": lambda ds: {
        "conversation_id": ds.conversations["sms"].id,
        "channel_id": ds.conversations["sms"].channel_id,
        "platform": "sms",
        "direction": "outgoing",
        "status": ["accepted"],
        "recipient": "+15550001",
        "tags": ["vip=gold", "order"],
        "created_before": ds.marks["middle"],
        "updated_after": ds.marks["updates"],
        "batch_id": "batch-1",
    },
}


async def listed(
    database: Database, ds: Dataset, order: Order = "desc", **filters: Any
) -> list[str]:
    async with database.read() as session:
        found, _ = await message_service.list(
            session, ds.workspace_id, MessageFilter(**filters), limit=500, order=order
        )
    return [m.id for m in found]


@pytest.mark.parametrize("case", list(SINGLE), ids=list(SINGLE))
async def test_each_filter_alone(database: Database, dataset: Dataset, case: str) -> None:
    filters = SINGLE[case](dataset)
    expected = reference(dataset, MessageFilter(**filters))
    got = await listed(database, dataset, **filters)
    assert names(dataset, got) == names(dataset, expected)


@pytest.mark.parametrize("case", list(COMBINED), ids=list(COMBINED))
async def test_filters_combined(database: Database, dataset: Dataset, case: str) -> None:
    filters = COMBINED[case](dataset)
    expected = reference(dataset, MessageFilter(**filters))
    assert expected, "a combination worth testing matches something"
    got = await listed(database, dataset, **filters)
    assert names(dataset, got) == names(dataset, expected)


async def test_reference_cases_are_not_trivial(dataset: Dataset) -> None:
    sizes = {len(reference(dataset, MessageFilter(**case(dataset)))) for case in SINGLE.values()}
    assert 0 in sizes
    assert len(sizes) > 4


async def test_bad_tag_filter(database: Database, dataset: Dataset) -> None:
    with pytest.raises(UnprocessableEntity) as caught:
        await listed(database, dataset, tags=["=v"])
    assert caught.value.field == "tag"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("parcel", {"parcel"}),
        ("PARCEL", {"parcel"}),
        ("ship", {"parcel"}),  # the last word is a prefix
        ("alice parcel", {"parcel"}),  # every word, anywhere
        ("parcel alice", {"parcel"}),
        ("hello zebra", set()),
        ("invoice", {"invoice", "reply"}),  # text or subject
        ("42", {"invoice", "reply"}),
        ("attached invoice", {"invoice"}),
        ("münchen", {"reply"}),
        ("Grüße", {"reply"}),
        ("привет", {"privet"}),
        ("мир", {"privet"}),
        ("spring sale", {"sale"}),
        ("123456", {"code"}),
        ("!!!", set()),
    ],
)
async def test_full_text(database: Database, dataset: Dataset, q: str, expected: set[str]) -> None:
    got = await listed(database, dataset, q=q)
    assert set(names(dataset, got)) == expected


async def test_full_text_with_other_filters(database: Database, dataset: Dataset) -> None:
    email = dataset.conversations["email"].id
    got = await listed(database, dataset, q="invoice", conversation_id=email, direction="incoming")
    assert names(dataset, got) == ["reply"]


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
