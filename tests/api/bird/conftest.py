"""Fixtures for the Bird dialect: a workspace whose key is sent as ``AccessKey``, its channels
(made through the native API) and helpers that build Bird paths and bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from hubbub.kit.ids import new_id
from tests.conftest import WorkspaceFixture

PREFIX = "/compat/bird"


@dataclass(frozen=True)
class Bird:
    workspace: WorkspaceFixture
    channels: dict[str, str]  # platform -> channel id

    @property
    def id(self) -> str:
        return self.workspace.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"AccessKey {self.workspace.token}"}

    @property
    def native(self) -> dict[str, str]:
        return self.workspace.headers

    def ws(self, tail: str = "") -> str:
        return f"{PREFIX}/workspaces/{self.id}{tail}"

    def ch(self, platform: str = "sms", tail: str = "") -> str:
        return self.ws(f"/channels/{self.channels[platform]}{tail}")


def unique_phone() -> str:
    return "+3161" + str(int(new_id().replace("-", "")[-12:], 16))[-7:]


def unique_email() -> str:
    return f"{new_id()}@example.test"


def text_send(value: str, words: str = "hello", **extra: Any) -> dict[str, Any]:
    return {
        "receiver": {"contacts": [{"identifierValue": value}]},
        "body": {"type": "text", "text": {"text": words}},
        **extra,
    }


async def make_bird(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> Bird:
    channels: dict[str, str] = {}
    for platform in ("sms", "email", "whatsapp"):
        response = await client.post(
            "/v1/channels",
            json={"platform": platform, "name": f"{platform} line", "identifier": "+3197010200001"},
            headers=workspace.headers,
        )
        assert response.status_code == 201, response.text
        channels[platform] = response.json()["id"]
    return Bird(workspace, channels)


@pytest_asyncio.fixture
async def bird(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> Bird:
    return await make_bird(client, workspace)


@pytest_asyncio.fixture
async def other_bird(client: httpx.AsyncClient, other_workspace: WorkspaceFixture) -> Bird:
    return await make_bird(client, other_workspace)


def assert_bird_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["details"], dict)
    if code is not None:
        assert body["code"] == code, body
