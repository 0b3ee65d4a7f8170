"""Helpers for the webchat end-user API tests: a webchat channel made through the native API,
a visitor who talks to the end-user API as the Chat client would (``x-user-key``), the Chat
error shape, and a real HTTP server (``http``, ``channel``) for the listen stream's tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio

from hubbub.db.uow import Database
from tests.conftest import WorkspaceFixture
from tests.realtime.server import serving

ERROR_ID = re.compile(r"^err_\d{14}x[0-9A-F]{8}$")


def chat_error(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    """The error body after checking it is exactly the Chat API's shape with this type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) <= {"id", "code", "type", "message", "metadata"}, body
    assert ERROR_ID.match(body["id"]), body
    assert body["code"] == status
    assert body["type"] == kind, body
    assert isinstance(body["message"], str)
    assert body["message"]
    return body


async def make_channel(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, platform: str = "webchat"
) -> str:
    response = await client.post(
        "/v1/channels",
        json={"platform": platform, "name": f"{platform} channel"},
        headers=workspace.headers,
    )
    assert response.status_code == 201, response.text
    channel_id: str = response.json()["id"]
    return channel_id


class Visitor:
    """One end user of a website, on one channel."""

    def __init__(self, client: httpx.AsyncClient, channel_id: str) -> None:
        self.client = client
        self.channel_id = channel_id
        self.base = f"/webchat/{channel_id}"
        self.key = ""
        self.user: dict[str, Any] = {}

    @property
    def id(self) -> str:
        return str(self.user["id"])

    @property
    def headers(self) -> dict[str, str]:
        return {"x-user-key": self.key}

    async def join(self, **fields: Any) -> Visitor:
        response = await self.client.post(f"{self.base}/users", json=fields)
        assert response.status_code == 201, response.text
        body = response.json()
        self.key, self.user = body["key"], body["user"]
        return self

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request(method, self.base + path, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = await self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json()

    async def conversation(self) -> str:
        body = await self.ok("POST", "/conversations", 201, json={})
        conversation_id: str = body["conversation"]["id"]
        return conversation_id

    async def add(self, conversation_id: str, other: Visitor) -> None:
        """Make ``other`` a participant of this visitor's conversation."""
        path = f"/conversations/{conversation_id}/participants"
        await self.ok("POST", path, json={"userId": other.id})

    async def say(self, conversation_id: str, text: str) -> dict[str, Any]:
        body = {"conversationId": conversation_id, "payload": {"type": "text", "text": text}}
        created: dict[str, Any] = (await self.ok("POST", "/messages", 201, json=body))["message"]
        return created


async def sent_reply(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, conversation_id: str
) -> str:
    """An outgoing message moved to ``sent`` by hand (no worker runs here): the user sees it."""
    body = {"conversation_id": conversation_id, "payload": {"type": "text", "text": "reply"}}
    created = await client.post("/v1/messages", json=body, headers=workspace.headers)
    assert created.status_code == 201, created.text
    message_id: str = created.json()["id"]
    moved = await client.post(
        f"/v1/messages/{message_id}/status", json={"status": "sent"}, headers=workspace.headers
    )
    assert moved.status_code == 200, moved.text
    return message_id


async def custom_bot_event(
    client: httpx.AsyncClient,
    workspace: WorkspaceFixture,
    conversation_id: str,
    event_type: str = "webchat:custom",
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event the bot creates about the conversation, through the Botpress runtime API."""
    body = {"type": event_type, "payload": payload or {}, "conversationId": conversation_id}
    headers = {"Authorization": f"Bearer {workspace.token}", "x-bot-id": workspace.id}
    response = await client.post("/compat/botpress/v1/chat/events", json=body, headers=headers)
    assert response.status_code == 201, response.text
    event: dict[str, Any] = response.json()["event"]
    return event


@pytest_asyncio.fixture
async def channel_id(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> str:
    return await make_channel(client, workspace)


@pytest_asyncio.fixture
async def visitor(client: httpx.AsyncClient, channel_id: str) -> Visitor:
    return await Visitor(client, channel_id).join()


@pytest_asyncio.fixture
async def http(database: Database, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a real server (uvicorn, running the app's lifespan and so its realtime
    hub), as a Chat client talks to one."""
    async with (
        serving(database, tmp_path) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as client,
    ):
        yield client


@pytest_asyncio.fixture
async def channel(http: httpx.AsyncClient, workspace: WorkspaceFixture) -> str:
    return await make_channel(http, workspace)
