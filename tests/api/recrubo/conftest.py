"""Helpers for the Recrubo dialect tests: a JSON:API client bound to a workspace, and a
workspace with one channel per platform Recrubo threads use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from tests.conftest import WorkspaceFixture

BASE = "/compat/recrubo/public/v2"
JSON_API = "application/vnd.api+json"


@dataclass
class Recrubo:
    client: httpx.AsyncClient
    workspace: WorkspaceFixture

    @property
    def headers(self) -> dict[str, str]:
        return {**self.workspace.headers, "Content-Type": JSON_API, "Accept": JSON_API}

    async def request(
        self, method: str, path: str, body: Any = None, **params: Any
    ) -> httpx.Response:
        content = None if body is None else httpx.Request("POST", "/", json=body).content
        return await self.client.request(
            method, BASE + path, content=content, params=params or None, headers=self.headers
        )

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.request("GET", path, **params)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.request("POST", path, body)

    async def patch(self, path: str, body: Any) -> httpx.Response:
        return await self.request("PATCH", path, body)

    async def delete(self, path: str) -> httpx.Response:
        return await self.request("DELETE", path)

    async def channel(self, platform: str) -> dict[str, Any]:
        response = await self.client.post(
            "/v1/channels",
            json={"platform": platform, "name": f"{platform} line"},
            headers=self.workspace.headers,
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def thread(self, channel: str = "whatsapp", identifier: str = "31612345678") -> str:
        response = await self.post(
            "/message-threads",
            {
                "data": {
                    "type": "messageThreads",
                    "attributes": {"channel": channel, "identifier": identifier},
                }
            },
        )
        assert response.status_code in (200, 201), response.text
        thread_id: str = response.json()["data"]["id"]
        return thread_id

    async def send(
        self, thread_id: str, payload: dict[str, Any], **attributes: Any
    ) -> httpx.Response:
        attributes.setdefault("sendBy", "Recrubo")
        return await self.post(
            "/messages",
            {
                "data": {
                    "type": "messages",
                    "attributes": {"messageThreadId": thread_id, "payload": payload, **attributes},
                }
            },
        )

    async def sent(
        self, thread_id: str, payload: dict[str, Any], **attributes: Any
    ) -> dict[str, Any]:
        response = await self.send(thread_id, payload, **attributes)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": {"value": value}}


def only_error(response: httpx.Response) -> dict[str, Any]:
    """The one JSON:API error object of ``response`` (and its shape checked)."""
    assert response.headers["content-type"].startswith(JSON_API), response.text
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    error: dict[str, Any] = errors[0]
    assert error["status"] == str(response.status_code)
    assert {"status", "code", "title", "detail"} <= set(error)
    return error


@pytest_asyncio.fixture
async def recrubo(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> Recrubo:
    api = Recrubo(client, workspace)
    for platform in ("whatsapp", "sms", "email"):
        await api.channel(platform)
    return api


@pytest_asyncio.fixture
async def intruder(client: httpx.AsyncClient, other_workspace: WorkspaceFixture) -> Recrubo:
    api = Recrubo(client, other_workspace)
    for platform in ("whatsapp", "sms", "email"):
        await api.channel(platform)
    return api
