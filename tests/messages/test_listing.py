"""Listing: every filter alone and combined (checked against the reference predicate over the
same messages) and full-text search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from hubbub.db.uow import Database
from hubbub.errors import UnprocessableEntity
from hubbub.kit.cursors import Order
from hubbub.messages.repository import MessageQuery, MessageRepository
from hubbub.messages.schemas import MessageFilter
from hubbub.messages.service import message as message_service
from tests.messages.dataset import Dataset, names, reference

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
    "sender-agent": lambda ds: {"sender": ds.agent_id},
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
    "sender+recipient": lambda ds: {"sender": ds.agent_id, "recipient": ds.contacts["carol"].id},
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
        ("ship", set()),  # whole words only
        ("ship*", {"parcel"}),  # unless asked for as a prefix
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


async def test_a_search_is_planned_for_its_words_on_postgresql(
    database: Database, dataset: Dataset
) -> None:
    """A generic plan (what a prepared statement settles on) walks the newest messages for a
    rare word; a filtered list asks PostgreSQL to plan for the actual values instead."""
    query = MessageQuery(fulltext=database.caps.fulltext_query("invoice"))
    async with database.read() as session:
        repository = MessageRepository(session)
        found = await repository.list_page(
            dataset.workspace_id, query, limit=10, order="desc", after=None
        )
        if database.caps.custom_plan() is not None:
            mode = await session.conn.execute(text("SHOW plan_cache_mode"))
            assert mode.scalar_one() == "force_custom_plan"
    assert {item.id for item in found} == {
        dataset.messages["invoice"].id,
        dataset.messages["reply"].id,
    }


@pytest.mark.parametrize("few", [1, 1000])
async def test_a_search_finds_the_same_rare_or_common(
    database: Database, dataset: Dataset, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    """SQLite reads a rare word's matches through the full-text index and a common word's
    through the workspace's newest messages; either way the page is the same."""
    monkeypatch.setattr("hubbub.messages.repository.FULLTEXT_FEW", few)
    got = await listed(database, dataset, q="invoice")
    newest_first = sorted(
        ("invoice", "reply"),
        key=lambda name: (dataset.messages[name].created_at, dataset.messages[name].id),
        reverse=True,
    )
    assert got == [dataset.messages[name].id for name in newest_first]
