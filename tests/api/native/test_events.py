"""``GET /v1/events``: the workspace's event log, paged by sequence number."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hubbub.db.uow import Database
from hubbub.events.service import event as event_service
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture


async def record(
    database: Database, workspace_id: str, *types: str, conversation_id: str | None = None
) -> None:
    async with database.transaction() as session:
        for index, kind in enumerate(types):
            await event_service.record(
                session,
                workspace_id,
                type=kind,
                conversation_id=conversation_id,
                data={"index": index},
            )


async def page(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, **params: Any
) -> dict[str, Any]:
    response = await client.get("/v1/events", params=params, headers=workspace.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"data", "next_after"}
    return body


async def test_pages_through_the_log_with_after_and_next_after(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    await record(database, workspace.id, *[f"test.{n}" for n in range(5)])

    seen: list[dict[str, Any]] = []
    after = 0
    for _ in range(10):
        body = await page(client, workspace, after=after, limit=2)
        seen += body["data"]
        if body["next_after"] is None:
            break
        assert body["next_after"] == body["data"][-1]["seq"]
        after = body["next_after"]
    assert [e["type"] for e in seen] == [f"test.{n}" for n in range(5)]
    seqs = [e["seq"] for e in seen]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 5
    first = seen[0]
    assert first["workspace_id"] == workspace.id
    assert first["data"] == {"index": 0}
    assert set(first) >= {"seq", "id", "type", "conversation_id", "message_id", "created_at"}


async def test_a_full_last_page_points_on_and_the_next_is_empty(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    await record(database, workspace.id, "test.a", "test.b")
    body = await page(client, workspace, limit=2)
    assert len(body["data"]) == 2
    assert body["next_after"] == body["data"][-1]["seq"]
    assert await page(client, workspace, after=body["next_after"]) == {
        "data": [],
        "next_after": None,
    }


async def test_after_skips_what_was_seen_and_new_events_follow(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    await record(database, workspace.id, "test.old")
    seen = await page(client, workspace)
    last = seen["data"][-1]["seq"]
    assert seen["next_after"] is None

    await record(database, workspace.id, "test.new")
    body = await page(client, workspace, after=last)
    assert [e["type"] for e in body["data"]] == ["test.new"]


async def test_filters_by_type(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    await record(
        database, workspace.id, "message.created", "conversation.created", "message.deleted"
    )
    single = await page(client, workspace, type="message.created")
    assert [e["type"] for e in single["data"]] == ["message.created"]
    several = await page(client, workspace, type=["conversation.created", "message.created"])
    assert [e["type"] for e in several["data"]] == ["message.created", "conversation.created"]
    family = await page(client, workspace, type="message.*")
    assert [e["type"] for e in family["data"]] == ["message.created", "message.deleted"]
    everything = await page(client, workspace, type="*")
    assert len(everything["data"]) == 3


@pytest.mark.parametrize("pattern", ["nonsense.event", "nothing.like.it", "nonsense.*", "x"])
async def test_an_unknown_type_filter_is_a_422_naming_it(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, pattern: str
) -> None:
    for path in ("/v1/events", "/v1/events/stream"):
        response = await client.get(
            path,
            params={"type": ["message.created", pattern]},
            headers={**workspace.headers, "Accept": "application/json"},
        )
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert error["details"]["field"] == "type"
        assert pattern in error["message"]


async def test_filters_by_conversation(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    wanted, other = new_id(), new_id()
    await record(database, workspace.id, "message.created", conversation_id=wanted)
    await record(database, workspace.id, "message.deleted", conversation_id=other)
    await record(database, workspace.id, "channel.created")
    body = await page(client, workspace, conversation_id=wanted)
    assert [(e["type"], e["conversation_id"]) for e in body["data"]] == [
        ("message.created", wanted)
    ]
    combined = await page(client, workspace, conversation_id=wanted, type="message.deleted")
    assert combined["data"] == []


async def test_shows_only_the_callers_workspace(
    client: httpx.AsyncClient,
    database: Database,
    workspace: WorkspaceFixture,
    other_workspace: WorkspaceFixture,
) -> None:
    conversation_id = new_id()
    await record(database, other_workspace.id, "test.theirs", conversation_id=conversation_id)
    await record(database, workspace.id, "test.ours")
    ours = await page(client, workspace)
    assert [e["type"] for e in ours["data"]] == ["test.ours"]
    assert (await page(client, workspace, conversation_id=conversation_id))["data"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": -1}, "after"),
        ({"after": 2**63}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
async def test_out_of_range_paging_is_a_422(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, params: dict[str, Any], field: str
) -> None:
    response = await client.get("/v1/events", params=params, headers=workspace.headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == field


async def test_needs_a_key(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/events")).status_code == 401
