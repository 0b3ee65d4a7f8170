"""``GET /v1/events/stream`` and ``GET /v1/conversations/{id}/events/stream``: Server-Sent
Events over real HTTP (uvicorn on loopback), live, resumable with ``Last-Event-ID``, filtered,
kept alive, isolated per workspace, and on PostgreSQL fed across processes by NOTIFY."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from hubbub.db.uow import Database
from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture
from tests.realtime.server import EventReader, serving
from tests.webhooks.helpers import record_events

STREAM = {"Accept": "text/event-stream"}


@pytest_asyncio.fixture
async def http(database: Database, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(database, tmp_path) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
    ):
        yield client


async def new_conversation(http: httpx.AsyncClient, owner: WorkspaceFixture) -> str:
    response = await http.post("/v1/conversations", json={}, headers=owner.headers)
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["id"]
    return conversation_id


async def test_the_stream_receives_events_live(
    http: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    headers = {**workspace.headers, **STREAM}
    async with http.stream("GET", "/v1/events/stream", headers=headers) as response:
        reader = EventReader(response)
        await reader.comment("connected")
        assert response.headers["cache-control"] == "no-cache"
        conversation_id = await new_conversation(http, workspace)  # through the API
        recorded = await record_events(database, workspace.id, [(None, "channel.created")])
        received = await reader.take(2)

    log = (await http.get("/v1/events", headers=workspace.headers)).json()["data"]
    assert [(e.id, e.type) for e in received] == [(e["seq"], e["type"]) for e in log]
    assert received[0].data["conversation_id"] == conversation_id
    assert received[1].data["id"] == recorded[0].id
    assert received[1].data == recorded[0].model_dump(mode="json")


async def test_resuming_with_last_event_id_gets_exactly_what_was_missed(
    http: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    headers = {**workspace.headers, **STREAM}
    conversation = new_id()
    async with http.stream("GET", "/v1/events/stream", headers=headers) as response:
        reader = EventReader(response)
        await reader.comment("connected")
        await record_events(database, workspace.id, [(conversation, "message.created")] * 2)
        seen = await reader.take(2)

    missed = await record_events(database, workspace.id, [(conversation, "message.updated")] * 3)
    resume = {**headers, "Last-Event-ID": str(seen[-1].id)}
    async with http.stream("GET", "/v1/events/stream", headers=resume) as response:
        reader = EventReader(response)
        replayed = await reader.take(3)
        live = await record_events(database, workspace.id, [(conversation, "message.deleted")])
        after = await reader.next()

    assert [e.id for e in replayed] == [e.seq for e in missed]
    assert [e.data["id"] for e in replayed] == [e.id for e in missed]
    assert (after.id, after.type) == (live[0].seq, "message.deleted")


async def test_a_conversation_stream_sees_only_its_conversation(
    http: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    mine, other = await new_conversation(http, workspace), await new_conversation(http, workspace)
    headers = {**workspace.headers, **STREAM}
    url = f"/v1/conversations/{mine}/events/stream"
    async with http.stream("GET", url, headers=headers) as response:
        reader = EventReader(response)
        await reader.comment("connected")
        plan = [(mine, "message.created"), (other, "message.created"), (None, "channel.created")]
        plan += [(other, "message.updated"), (mine, "message.updated")]
        recorded = await record_events(database, workspace.id, plan)
        received = await reader.take(2)

    assert [e.id for e in received] == [e.seq for e in recorded if e.conversation_id == mine]
    assert {e.data["conversation_id"] for e in received} == {mine}


async def test_the_stream_filters_by_type_and_keeps_alive(
    http: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    headers = {**workspace.headers, **STREAM}
    params = {"type": ["message.created", "message.deleted"]}
    async with http.stream("GET", "/v1/events/stream", headers=headers, params=params) as response:
        reader = EventReader(response)
        await reader.comment("connected")
        await reader.comment("keep-alive")
        plan = [(None, "channel.created"), (None, "message.created"), (None, "message.updated")]
        recorded = await record_events(database, workspace.id, [*plan, (None, "message.deleted")])
        received = await reader.take(2)

    assert [e.type for e in received] == ["message.created", "message.deleted"]
    assert [e.id for e in received] == [recorded[1].seq, recorded[3].seq]


async def test_another_workspace_sees_nothing_of_this_one(
    http: httpx.AsyncClient,
    database: Database,
    workspace: WorkspaceFixture,
    other_workspace: WorkspaceFixture,
) -> None:
    conversation = await new_conversation(http, workspace)
    for accept in (STREAM, {}, {"Accept": "*/*"}, {"Accept": "application/json"}):
        denied = await http.get(
            f"/v1/conversations/{conversation}/events/stream",
            headers={**other_workspace.headers, **accept},
        )
        assert denied.status_code == 404, denied.text
        assert denied.json()["error"]["code"] == "not_found"

    headers = {**other_workspace.headers, **STREAM}
    async with http.stream("GET", "/v1/events/stream", headers=headers) as response:
        reader = EventReader(response)
        await reader.comment("connected")
        await record_events(database, workspace.id, [(conversation, "message.created")])
        own = await record_events(database, other_workspace.id, [(None, "channel.created")])
        received = await reader.next()
    assert (received.id, received.data["workspace_id"]) == (own[0].seq, other_workspace.id)


async def test_bad_resume_points_are_client_errors(
    http: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    bad_header = {**workspace.headers, **STREAM, "Last-Event-ID": "not-a-number"}
    response = await http.get("/v1/events/stream", headers=bad_header)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["field"] == "Last-Event-ID"
    response = await http.get("/v1/events/stream?after=-1", headers={**workspace.headers, **STREAM})
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
    unauthenticated = await http.get("/v1/events/stream", headers=STREAM)
    assert unauthenticated.status_code == 401


@pytest.mark.parametrize("accept", [None, "*/*", "text/html,*/*;q=0.8"])
async def test_a_stream_url_streams_whatever_accept_says(
    http: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture, accept: str | None
) -> None:
    headers = dict(workspace.headers)
    if accept is not None:
        headers["Accept"] = accept
    else:
        headers["Accept"] = ""  # httpx would send */* otherwise
    async with http.stream("GET", "/v1/events/stream", headers=headers) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        await reader.comment("connected")
        recorded = await record_events(database, workspace.id, [(None, "channel.created")])
        received = await reader.next()
    assert received.data["id"] == recorded[0].id


async def test_asking_for_json_and_not_a_stream_gets_a_json_page(
    http: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    recorded = await record_events(database, workspace.id, [(None, "channel.created")] * 3)
    response = await http.get(
        "/v1/events/stream",
        params={"after": recorded[0].seq},
        headers={**workspace.headers, "Accept": "application/json"},
    )
    assert response.status_code == 200
    assert [e["id"] for e in response.json()["data"]] == [e.id for e in recorded[1:]]


async def test_an_event_written_by_another_process_arrives_through_notify(
    http: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    """A second ``Database`` with its own relay stands in for another process: nothing wakes
    the server's hub in-process, and its poll is 30 s, so only PostgreSQL's NOTIFY can bring
    the event within the read timeout."""
    if not database.caps.supports_listen_notify:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    elsewhere = Database(database.url, pool_size=2)
    stop = asyncio.Event()
    relay = asyncio.create_task(elsewhere.notifier.relay(stop))
    try:
        headers = {**workspace.headers, **STREAM}
        async with http.stream("GET", "/v1/events/stream", headers=headers) as response:
            reader = EventReader(response)
            await reader.comment("connected")
            written = await record_events(elsewhere, workspace.id, [(None, "channel.created")])
            received = await reader.next(within=10)
        assert received.data["id"] == written[0].id
    finally:
        stop.set()
        await asyncio.wait_for(relay, 10)
        await elsewhere.dispose()
