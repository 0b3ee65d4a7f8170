"""Channel.io fixtures: the workspace keys as ``x-access-key`` + ``x-access-secret``, and
helpers that create users, chats and messages through the dialect itself."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import WorkspaceFixture

BASE = "/compat/channelio/open/v5"


def key_pair(token: str) -> dict[str, str]:
    key_id, _, secret = token.partition(".")
    return {"x-access-key": key_id, "x-access-secret": secret}


class Api:
    """A Channel.io client of one workspace."""

    def __init__(self, client: httpx.AsyncClient, workspace: WorkspaceFixture) -> None:
        self.client = client
        self.workspace = workspace
        self.headers = key_pair(workspace.token)

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        merged = {**self.headers, **(headers or {})}
        return await self.client.request(method, BASE + path, headers=merged, **kwargs)

    async def upsert_user(self, member_id: str, **body: Any) -> dict[str, Any]:
        response = await self.request("PUT", f"/users/@{member_id}", json=body)
        assert response.status_code == 200, response.text
        user: dict[str, Any] = response.json()["user"]
        return user

    async def create_chat(self, user_id: str) -> dict[str, Any]:
        response = await self.request("POST", f"/users/{user_id}/user-chats")
        assert response.status_code == 200, response.text
        chat: dict[str, Any] = response.json()["userChat"]
        return chat

    async def send(self, chat_id: str, body: dict[str, Any], **params: str) -> httpx.Response:
        return await self.request(
            "POST", f"/user-chats/{chat_id}/messages", json=body, params=params
        )

    async def create_manager(self, name: str, email: str | None = None) -> dict[str, Any]:
        """A manager is a core agent, made through the native API."""
        body = {"name": name, "email": email or f"{name.lower()}@example.com"}
        response = await self.client.post("/v1/agents", json=body, headers=self.workspace.headers)
        assert response.status_code == 201, response.text
        agent: dict[str, Any] = response.json()
        return agent

    async def send_text(self, chat_id: str, text: str) -> dict[str, Any]:
        response = await self.send(chat_id, {"plainText": text})
        assert response.status_code == 200, response.text
        message: dict[str, Any] = response.json()["message"]
        return message


@pytest.fixture
def api(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> Api:
    return Api(client, workspace)


@pytest.fixture
def other_api(client: httpx.AsyncClient, other_workspace: WorkspaceFixture) -> Api:
    return Api(client, other_workspace)


def error_of(response: httpx.Response, status: int, type_: str) -> list[dict[str, str]]:
    """The errors of a Channel.io error body, after checking it is exactly that shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"type", "status", "errors"}, body
    assert body["type"] == type_
    assert body["status"] == status
    assert body["errors"]
    for entry in body["errors"]:
        assert set(entry) <= {"message", "field"}
        assert isinstance(entry["message"], str)
        assert entry["message"]
    errors: list[dict[str, str]] = body["errors"]
    return errors
