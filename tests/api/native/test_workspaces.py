"""``/v1/workspaces``: the workspace and its keys with an admin key, and creating workspaces
with the instance admin token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from hubbub.app import create_app
from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.workspaces.schemas import AccessKeyCreate, Scope
from hubbub.workspaces.service import workspace as workspace_service
from tests.conftest import TEST_SECRET, WorkspaceFixture

ADMIN_TOKEN = "instance-admin-token-for-tests"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


async def issue_token(database: Database, workspace_id: str, *scopes: Scope) -> str:
    async with database.transaction() as session:
        issued = await workspace_service.create_key(
            session, workspace_id, AccessKeyCreate(scopes=list(scopes))
        )
    return issued.token


async def create_key(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/workspaces/{workspace.id}/keys", json=body, headers=workspace.headers
    )
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


class TestGetWorkspace:
    async def test_returns_the_workspace(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.get(f"/v1/workspaces/{workspace.id}", headers=workspace.headers)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"id", "name", "created_at", "updated_at"}
        assert (body["id"], body["name"]) == (workspace.id, "primary")

    async def test_a_read_key_may_read_it(
        self, client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
    ) -> None:
        token = await issue_token(database, workspace.id, "read")
        response = await client.get(f"/v1/workspaces/{workspace.id}", headers=bearer(token))
        assert response.json()["id"] == workspace.id

    async def test_another_workspace_is_forbidden(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        response = await client.get(
            f"/v1/workspaces/{other_workspace.id}", headers=workspace.headers
        )
        assert response.status_code == 403
        assert error_code(response) == "forbidden"


class TestKeys:
    async def test_create_list_and_revoke(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        issued = await create_key(client, workspace, name="reporting", scopes=["read"])
        key = issued["key"]
        assert (key["name"], key["scopes"], key["revoked_at"]) == ("reporting", ["read"], None)
        assert issued["token"].startswith(key["id"] + ".")
        events = await client.get("/v1/events", headers=bearer(issued["token"]))
        assert events.status_code == 200

        listed = await client.get(f"/v1/workspaces/{workspace.id}/keys", headers=workspace.headers)
        assert listed.status_code == 200
        body = listed.json()
        assert body["next_cursor"] is None
        assert [k["id"] for k in body["data"]] == [workspace.token.split(".")[0], key["id"]]
        assert issued["token"].split(".")[1] not in listed.text
        assert all("secret_hash" not in k and "token" not in k for k in body["data"])

        revoked = await client.delete(
            f"/v1/workspaces/{workspace.id}/keys/{key['id']}", headers=workspace.headers
        )
        assert revoked.status_code == 204
        assert revoked.content == b""
        refused = await client.get("/v1/events", headers=bearer(issued["token"]))
        assert refused.status_code == 401
        listed = await client.get(f"/v1/workspaces/{workspace.id}/keys", headers=workspace.headers)
        revoked_key = next(k for k in listed.json()["data"] if k["id"] == key["id"])
        assert revoked_key["revoked_at"] is not None

    async def test_a_new_key_has_every_scope_by_default(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        issued = await create_key(client, workspace)
        assert issued["key"]["scopes"] == ["admin", "read", "write"]

    async def test_revoking_an_unknown_key_is_a_404(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.delete(
            f"/v1/workspaces/{workspace.id}/keys/hk_nosuchkey", headers=workspace.headers
        )
        assert response.status_code == 404
        assert response.json()["error"]["details"] == {
            "resource": "access key",
            "id": "hk_nosuchkey",
        }

    async def test_a_key_of_another_workspace_cannot_be_revoked_through_ours(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        their_key = other_workspace.token.split(".")[0]
        response = await client.delete(
            f"/v1/workspaces/{workspace.id}/keys/{their_key}", headers=workspace.headers
        )
        assert response.status_code == 404
        still = await client.get(
            f"/v1/workspaces/{other_workspace.id}", headers=other_workspace.headers
        )
        assert still.status_code == 200

    @pytest.mark.parametrize("scopes", [["read"], ["read", "write"]])
    async def test_a_key_without_admin_is_forbidden(
        self,
        client: httpx.AsyncClient,
        database: Database,
        workspace: WorkspaceFixture,
        scopes: list[Scope],
    ) -> None:
        headers = bearer(await issue_token(database, workspace.id, *scopes))
        admin_key = workspace.token.split(".")[0]
        for method, path in [
            ("GET", f"/v1/workspaces/{workspace.id}/keys"),
            ("POST", f"/v1/workspaces/{workspace.id}/keys"),
            ("DELETE", f"/v1/workspaces/{workspace.id}/keys/{admin_key}"),
        ]:
            response = await client.request(method, path, json={}, headers=headers)
            assert response.status_code == 403, (method, path)
            assert "admin" in response.json()["error"]["message"]
        assert (await client.get("/v1/events", headers=workspace.headers)).status_code == 200

    async def test_another_workspace_id_is_forbidden(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        their_key = other_workspace.token.split(".")[0]
        for method, path in [
            ("GET", f"/v1/workspaces/{other_workspace.id}/keys"),
            ("POST", f"/v1/workspaces/{other_workspace.id}/keys"),
            ("DELETE", f"/v1/workspaces/{other_workspace.id}/keys/{their_key}"),
        ]:
            response = await client.request(method, path, json={}, headers=workspace.headers)
            assert response.status_code == 403, (method, path)
            assert error_code(response) == "forbidden"
        listed = await client.get(
            f"/v1/workspaces/{other_workspace.id}/keys", headers=other_workspace.headers
        )
        assert [k["id"] for k in listed.json()["data"]] == [their_key]
        assert listed.json()["data"][0]["revoked_at"] is None


class TestCreateWorkspace:
    @pytest_asyncio.fixture
    async def admin_client(
        self, database: Database, tmp_path: Path
    ) -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings(data_dir=tmp_path, secret=TEST_SECRET, admin_token=ADMIN_TOKEN)
        transport = httpx.ASGITransport(app=create_app(settings, database=database))
        async with httpx.AsyncClient(transport=transport, base_url="http://hubbub.test") as client:
            yield client

    async def test_is_disabled_without_an_admin_token(
        self, database: Database, tmp_path: Path
    ) -> None:
        settings = Settings(data_dir=tmp_path, secret=TEST_SECRET, admin_token=None)
        transport = httpx.ASGITransport(app=create_app(settings, database=database))
        async with httpx.AsyncClient(transport=transport, base_url="http://hubbub.test") as client:
            for headers in ({}, bearer("anything"), bearer(ADMIN_TOKEN)):
                response = await client.post("/v1/workspaces", json={"name": "x"}, headers=headers)
                assert response.status_code == 403
                assert "hubbub workspace create" in response.json()["error"]["message"]

    async def test_creates_a_workspace_with_a_working_admin_key(
        self, admin_client: httpx.AsyncClient
    ) -> None:
        response = await admin_client.post(
            "/v1/workspaces", json={"name": "over http"}, headers=bearer(ADMIN_TOKEN)
        )
        assert response.status_code == 201, response.text
        created = response.json()
        workspace_id = created["workspace"]["id"]
        assert created["workspace"]["name"] == "over http"
        assert created["admin_key"]["key"]["scopes"] == ["admin"]

        token = created["admin_key"]["token"]
        fetched = await admin_client.get(f"/v1/workspaces/{workspace_id}", headers=bearer(token))
        assert fetched.json() == created["workspace"]
        keys = await admin_client.get(f"/v1/workspaces/{workspace_id}/keys", headers=bearer(token))
        assert keys.status_code == 200

    @pytest.mark.parametrize(
        "authorization",
        [None, "", f"Basic {ADMIN_TOKEN}", "Bearer wrong", f"Bearer {ADMIN_TOKEN}x", "Bearer é"],
    )
    async def test_needs_the_exact_admin_token(
        self, admin_client: httpx.AsyncClient, authorization: str | None
    ) -> None:
        # Header bytes beyond ASCII arrive as latin-1 text, which must not break the comparison.
        headers = (
            {} if authorization is None else {"Authorization": authorization.encode("latin-1")}
        )
        response = await admin_client.post("/v1/workspaces", content=b"{", headers=headers)
        assert response.status_code == 401
        assert error_code(response) == "unauthenticated"

    async def test_a_workspace_key_is_not_the_admin_token(
        self, admin_client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await admin_client.post(
            "/v1/workspaces", json={"name": "x"}, headers=workspace.headers
        )
        assert response.status_code == 401

    async def test_the_name_is_validated(self, admin_client: httpx.AsyncClient) -> None:
        response = await admin_client.post(
            "/v1/workspaces", json={"name": ""}, headers=bearer(ADMIN_TOKEN)
        )
        assert response.status_code == 422
        assert response.json()["error"]["details"]["field"] == "name"
