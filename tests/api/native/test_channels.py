"""``/v1/channels`` through the ASGI app."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hubbub.db.uow import Database
from hubbub.workspaces.schemas import AccessKeyCreate
from hubbub.workspaces.service import workspace as workspace_service
from tests.channels.configs import SMS
from tests.conftest import WorkspaceFixture

UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"


async def create_channel(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, **fields: Any
) -> dict[str, Any]:
    body = {"platform": "sms", "name": "Support", **fields}
    response = await client.post("/v1/channels", json=body, headers=workspace.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


class TestCreate:
    async def test_returns_201_with_the_channel(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        created = await create_channel(client, workspace, identifier="+15550100", config=SMS)
        assert created["workspace_id"] == workspace.id
        assert (created["platform"], created["name"], created["identifier"]) == (
            "sms",
            "Support",
            "+15550100",
        )
        assert created["config"] == SMS
        fetched = await client.get(f"/v1/channels/{created['id']}", headers=workspace.headers)
        assert fetched.json() == created

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"platform": "fax", "name": "x"}, "platform"),
            ({"platform": "sms", "name": ""}, "name"),
            ({"name": "x"}, "platform"),
            ({"platform": "sms", "name": "x", "identifier": "x" * 321}, "identifier"),
        ],
    )
    async def test_rejects_invalid_bodies_with_422(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        body: dict[str, Any],
        field: str,
    ) -> None:
        response = await client.post("/v1/channels", json=body, headers=workspace.headers)
        assert response.status_code == 422
        assert error_of(response)["details"]["field"] == field

    async def test_a_read_only_key_may_not_create(
        self, client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
    ) -> None:
        async with database.transaction() as session:
            issued = await workspace_service.create_key(
                session, workspace.id, AccessKeyCreate(name="reader", scopes=["read"])
            )
        headers = {"Authorization": f"Bearer {issued.token}"}
        response = await client.post(
            "/v1/channels", json={"platform": "sms", "name": "x"}, headers=headers
        )
        assert response.status_code == 403
        listed = await client.get("/v1/channels", headers=headers)
        assert listed.status_code == 200


class TestList:
    async def test_lists_the_callers_channels_filtered_by_platform(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        texts = await create_channel(client, workspace)
        mail = await create_channel(client, workspace, platform="email", name="Mail")
        await create_channel(client, other_workspace)
        everything = await client.get("/v1/channels", headers=workspace.headers)
        assert everything.json() == {"data": [texts, mail], "next_cursor": None}
        only_mail = await client.get("/v1/channels?platform=email", headers=workspace.headers)
        assert [c["id"] for c in only_mail.json()["data"]] == [mail["id"]]

    async def test_rejects_an_unknown_platform(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.get("/v1/channels?platform=fax", headers=workspace.headers)
        assert response.status_code == 422
        assert error_of(response)["details"]["field"] == "platform"


class TestUpdate:
    async def test_patches_the_given_fields(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        created = await create_channel(client, workspace, identifier="+15550100")
        response = await client.patch(
            f"/v1/channels/{created['id']}",
            json={"name": "Renamed", "identifier": None},
            headers=workspace.headers,
        )
        assert response.status_code == 200
        updated = response.json()
        assert (updated["name"], updated["identifier"], updated["platform"]) == (
            "Renamed",
            None,
            "sms",
        )
        fetched = await client.get(f"/v1/channels/{created['id']}", headers=workspace.headers)
        assert fetched.json() == updated

    async def test_rejects_an_empty_name(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        created = await create_channel(client, workspace)
        response = await client.patch(
            f"/v1/channels/{created['id']}", json={"name": ""}, headers=workspace.headers
        )
        assert response.status_code == 422
        assert error_of(response)["details"]["field"] == "name"


class TestDelete:
    async def test_returns_204_and_the_channel_is_gone(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        created = await create_channel(client, workspace)
        response = await client.delete(f"/v1/channels/{created['id']}", headers=workspace.headers)
        assert response.status_code == 204
        assert response.content == b""
        fetched = await client.get(f"/v1/channels/{created['id']}", headers=workspace.headers)
        assert fetched.status_code == 404
        assert error_of(fetched)["details"] == {"resource": "channel", "id": created["id"]}


ONE_CHANNEL = [
    ("GET", None),
    ("PATCH", {"name": "stolen"}),
    ("DELETE", None),
]


class TestAccess:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("POST", "/v1/channels", {"platform": "sms", "name": "x"}),
            ("GET", "/v1/channels", None),
            ("GET", f"/v1/channels/{UNKNOWN_ID}", None),
            ("PATCH", f"/v1/channels/{UNKNOWN_ID}", {"name": "x"}),
            ("DELETE", f"/v1/channels/{UNKNOWN_ID}", None),
        ],
    )
    async def test_every_endpoint_needs_a_key(
        self, client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
    ) -> None:
        response = await client.request(method, path, json=body)
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthenticated"

    @pytest.mark.parametrize(("method", "body"), ONE_CHANNEL)
    async def test_another_workspace_gets_404_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
        method: str,
        body: dict[str, Any] | None,
    ) -> None:
        created = await create_channel(client, workspace)
        path = f"/v1/channels/{created['id']}"
        response = await client.request(method, path, json=body, headers=other_workspace.headers)
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        assert (await client.get(path, headers=workspace.headers)).json() == created
        listed = await client.get("/v1/channels", headers=other_workspace.headers)
        assert created["id"] not in [c["id"] for c in listed.json()["data"]]
