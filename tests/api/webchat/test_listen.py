"""``GET /conversations/{id}/listen``: the hub subscription a stream holds is released however
the request ends, even when the client is gone before the stream's first byte is written; over
real HTTP, custom events arrive as ``event_created`` signals, and a stream ends once its user no
longer takes part (removed, after his own ``participant_removed``; or the conversation
deleted). Deletions and participant changes: ``test_listen_changes.py``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from starlette.types import Message

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.realtime.hub import Hub, hub_for
from tests.api.webchat.conftest import Visitor, custom_bot_event
from tests.api.webchat.signals import listening
from tests.conftest import WorkspaceFixture


@pytest_asyncio.fixture
async def hub(database: Database, settings: Settings) -> AsyncIterator[Hub]:
    """The process's hub for the test database, running as the app's lifespan would run it
    (the ASGI test transport runs no lifespan)."""
    found = hub_for(database)
    stop = asyncio.Event()
    task = asyncio.create_task(found.run(settings, stop))
    try:
        await asyncio.wait_for(found.ready.wait(), 10)
        yield found
    finally:
        stop.set()
        found.wake.set()
        await asyncio.wait_for(task, 10)


def listen_scope(path: str, key: str, spec_version: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"hubbub.test"), (b"x-user-key", key.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("hubbub.test", 80),
    }


async def listen_then_vanish(
    app: FastAPI, visitor: Visitor, conversation_id: str, spec: str
) -> list[Message]:
    """Call the listen route as a server would for a client that is gone before anything is
    written: on ASGI 2.4 the write of the headers fails (``OSError``); before 2.4 the write
    hangs while the server reports the disconnect, which cancels the response."""
    path = f"{visitor.base}/conversations/{conversation_id}/listen"
    requests = iter([{"type": "http.request", "body": b"", "more_body": False}])
    sent: list[Message] = []

    async def receive() -> Message:
        return next(requests, {"type": "http.disconnect"})

    async def send(message: Message) -> None:
        sent.append(message)
        if spec == "2.4":
            raise OSError("connection reset by peer")
        await asyncio.Event().wait()  # a write that never completes

    with contextlib.suppress(Exception):
        await asyncio.wait_for(app(listen_scope(path, visitor.key, spec), receive, send), 10)
    return sent


@pytest.mark.parametrize("spec", ["2.0", "2.4"])
async def test_a_client_gone_before_the_first_byte_leaves_no_subscription(
    app: FastAPI, hub: Hub, visitor: Visitor, spec: str
) -> None:
    conversation_id = await visitor.conversation()
    before = set(hub.subscribers)
    sent = await listen_then_vanish(app, visitor, conversation_id, spec)
    # The route got as far as the response: its headers were on their way, no body byte was.
    assert [m["type"] for m in sent] == ["http.response.start"]
    assert sent[0]["status"] == 200
    assert set(hub.subscribers) == before


async def test_a_stream_the_client_closes_releases_its_subscription(
    http: httpx.AsyncClient, database: Database, channel: str
) -> None:
    owner = await Visitor(http, channel).join()
    conversation_id = await owner.conversation()
    hub = hub_for(database)
    async with listening(owner, conversation_id) as reader:
        await reader.connected()
        assert len(hub.subscribers) == 1
        said = await owner.say(conversation_id, "hello")
        assert (await reader.next()).data["id"] == said["id"]
    await eventually_true(lambda: not hub.subscribers)


async def test_custom_events_are_signalled_to_every_listener(
    http: httpx.AsyncClient, workspace: WorkspaceFixture, channel: str
) -> None:
    owner = await Visitor(http, channel).join()
    friend = await Visitor(http, channel).join()
    conversation_id = await owner.conversation()
    await owner.add(conversation_id, friend)
    async with listening(friend, conversation_id) as reader:
        await reader.connected()
        body = {"conversationId": conversation_id, "payload": {"step": 2}}
        created = (await owner.ok("POST", "/events", 201, json=body))["event"]
        await custom_bot_event(http, workspace, conversation_id, event_type="crm:lookup")
        from_bot = await custom_bot_event(http, workspace, conversation_id, payload={"x": 1})
        signals = [await reader.next(), await reader.next()]

    assert [s.type for s in signals] == ["event_created", "event_created"]
    assert signals[0].data == {**created, "isBot": False}
    assert signals[1].data["id"] == from_bot["id"]
    assert signals[1].data["userId"] == "bot"
    assert signals[1].data["isBot"] is True
    assert signals[1].data["payload"] == {"x": 1}


async def test_a_removed_participants_stream_ends(
    http: httpx.AsyncClient, database: Database, channel: str
) -> None:
    owner = await Visitor(http, channel).join()
    friend = await Visitor(http, channel).join()
    conversation_id = await owner.conversation()
    path = f"/conversations/{conversation_id}/participants"
    await owner.ok("POST", path, json={"userId": friend.id})
    async with (
        listening(friend, conversation_id) as reader,
        listening(owner, conversation_id) as owners,
    ):
        await reader.connected()
        await owners.connected()
        first = await owner.say(conversation_id, "before")
        assert (await reader.next()).data["id"] == first["id"]
        await owner.ok("DELETE", f"{path}/{friend.id}")
        after = await owner.say(conversation_id, "after")
        # His own removal is the last thing he is told.
        removal = {"conversationId": conversation_id, "participantId": friend.id}
        last = await reader.next()
        assert (last.type, last.data) == ("participant_removed", removal)
        await reader.ended()
        # The owner's stream goes on and carries all three.
        signals = [await owners.next() for _ in range(3)]
        assert [(s.type, s.data.get("id")) for s in signals] == [
            ("message_created", first["id"]),
            ("participant_removed", None),
            ("message_created", after["id"]),
        ]
        assert signals[1].data == removal
    await eventually_true(lambda: not hub_for(database).subscribers)


async def test_deleting_the_conversation_ends_its_streams(
    http: httpx.AsyncClient, channel: str
) -> None:
    owner = await Visitor(http, channel).join()
    conversation_id = await owner.conversation()
    async with listening(owner, conversation_id) as reader:
        await reader.connected()
        await owner.ok("DELETE", f"/conversations/{conversation_id}")
        await reader.ended()


async def eventually_true(check: Any, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)
