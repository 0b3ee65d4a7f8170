"""Helpers for the Botpress dialect tests: headers as the client sends them, the error shape,
and factories that go through the dialect itself."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.conftest import WorkspaceFixture

BASE = "/compat/botpress/v1/chat"
ERROR_ID = re.compile(r"^err_\d{14}x[0-9A-F]{8}$")


def bot_headers(workspace: WorkspaceFixture, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {workspace.token}", "x-bot-id": workspace.id, **extra}


def integration_headers(workspace: WorkspaceFixture) -> dict[str, str]:
    return bot_headers(
        workspace, **{"x-integration-id": "intver_telegram", "x-integration-alias": "telegram"}
    )


def botpress_error(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    """The error body after checking it is exactly Botpress's shape with this type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) <= {"id", "code", "type", "message", "metadata"}
    assert ERROR_ID.match(body["id"]), body
    assert body["code"] == status
    assert body["type"] == kind, body
    assert isinstance(body["message"], str)
    assert body["message"]
    return body


class Bot:
    """A bot (workspace) seen through the dialect."""

    def __init__(self, client: httpx.AsyncClient, workspace: WorkspaceFixture) -> None:
        self.client = client
        self.workspace = workspace
        self.headers = bot_headers(workspace)

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request(method, BASE + path, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = await self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json()

    async def user(self, **fields: Any) -> dict[str, Any]:
        body = {"tags": {}, **fields}
        created: dict[str, Any] = (await self.ok("POST", "/users", 201, json=body))["user"]
        return created

    async def conversation(self, **fields: Any) -> dict[str, Any]:
        body = {"channel": "channel", "tags": {}, "integrationName": "telegram", **fields}
        created: dict[str, Any] = (await self.ok("POST", "/conversations", 201, json=body))[
            "conversation"
        ]
        return created

    async def message(
        self, conversation_id: str, user_id: str, text: str = "hi", **fields: Any
    ) -> dict[str, Any]:
        body = {
            "payload": {"text": text},
            "userId": user_id,
            "conversationId": conversation_id,
            "type": "text",
            "tags": {},
            **fields,
        }
        created: dict[str, Any] = (await self.ok("POST", "/messages", 201, json=body))["message"]
        return created


@pytest.fixture
def bot(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> Bot:
    return Bot(client, workspace)


@pytest.fixture
def other_bot(client: httpx.AsyncClient, other_workspace: WorkspaceFixture) -> Bot:
    return Bot(client, other_workspace)
