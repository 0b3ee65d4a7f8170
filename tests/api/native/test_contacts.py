"""``/v1/contacts`` through the ASGI app."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import WorkspaceFixture

UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"


async def create_contact(
    client: httpx.AsyncClient,
    workspace: WorkspaceFixture,
    *identifiers: tuple[str, str],
    **fields: Any,
) -> dict[str, Any]:
    body = {"identifiers": [{"key": k, "value": v} for k, v in identifiers], **fields}
    response = await client.post("/v1/contacts", json=body, headers=workspace.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def error_of(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


async def list_ids(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, **params: Any
) -> list[str]:
    response = await client.get("/v1/contacts", params=params, headers=workspace.headers)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["data"]]


class TestCreate:
    async def test_returns_201_with_the_contact(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        created = await create_contact(
            client,
            workspace,
            ("emailaddress", "Eve@Example.com"),
            name="Eve",
            attributes={"plan": "pro"},
            tags={"vip": "yes"},
        )
        assert created["workspace_id"] == workspace.id
        assert created["identifiers"] == [{"key": "emailaddress", "value": "eve@example.com"}]
        assert (created["name"], created["attributes"], created["tags"]) == (
            "Eve",
            {"plan": "pro"},
            {"vip": "yes"},
        )
        fetched = await client.get(f"/v1/contacts/{created['id']}", headers=workspace.headers)
        assert fetched.json() == created

    async def test_a_taken_identifier_is_409(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        owner = await create_contact(client, workspace, ("userid", "dup"))
        response = await client.post(
            "/v1/contacts",
            json={"identifiers": [{"key": "userid", "value": "dup"}]},
            headers=workspace.headers,
        )
        assert response.status_code == 409
        error = error_of(response)
        assert error["code"] == "conflict"
        assert error["details"]["identifiers"] == [
            {"key": "userid", "value": "dup", "contact_id": owner["id"]}
        ]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"identifiers": [{"key": "Bad Key", "value": "x"}]}, "identifiers.0.key"),
            ({"identifiers": [{"key": "userid", "value": ""}]}, "identifiers.0.value"),
            ({"identifiers": [{"key": "userid"}]}, "identifiers.0.value"),
            ({"name": "x" * 201}, "name"),
            ({"tags": {"k": 1}}, "tags.k"),
        ],
    )
    async def test_rejects_invalid_bodies_with_422(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        body: dict[str, Any],
        field: str,
    ) -> None:
        response = await client.post("/v1/contacts", json=body, headers=workspace.headers)
        assert response.status_code == 422
        assert error_of(response)["details"]["field"] == field


class TestGetOrCreate:
    async def test_creates_then_returns_the_same_contact(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        body = {"key": "phoneNumber", "value": "+1 555 0177", "name": "Pat"}
        first = await client.post(
            "/v1/contacts/get-or-create", json=body, headers=workspace.headers
        )
        second = await client.post(
            "/v1/contacts/get-or-create",
            json={"key": "phonenumber", "value": "+15550177"},
            headers=workspace.headers,
        )
        assert (first.status_code, second.status_code) == (200, 200)
        assert first.json()["created"] is True
        assert second.json()["created"] is False
        assert second.json()["contact"] == first.json()["contact"]
        assert first.json()["contact"]["identifiers"] == [
            {"key": "phonenumber", "value": "+15550177"}
        ]

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"key": "userid"}, 422, "value"),
            ({"value": "x"}, 422, "key"),
            ({"key": "bad key", "value": "x"}, 400, "key"),
            ({"key": "userid", "value": "   "}, 400, "value"),
        ],
    )
    async def test_rejects_invalid_identifiers(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        body: dict[str, Any],
        status: int,
        field: str,
    ) -> None:
        response = await client.post(
            "/v1/contacts/get-or-create", json=body, headers=workspace.headers
        )
        assert response.status_code == status
        assert error_of(response)["details"]["field"] == field


class TestList:
    async def test_pages_to_the_end_without_loss_or_repeat(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        created = [
            (await create_contact(client, workspace, ("userid", f"n{n}")))["id"] for n in range(7)
        ]
        for order, expected in (("asc", created), ("desc", created[::-1])):
            seen: list[str] = []
            params: dict[str, Any] = {"limit": 3, "order": order}
            while True:
                response = await client.get(
                    "/v1/contacts", params=params, headers=workspace.headers
                )
                page = response.json()
                seen += [c["id"] for c in page["data"]]
                if page["next_cursor"] is None:
                    break
                params = {"limit": 3, "cursor": page["next_cursor"]}
            assert seen == expected

    async def test_filters_by_identifier_and_tag(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        gold = await create_contact(
            client, workspace, ("emailaddress", "g@x.io"), tags={"tier": "gold"}
        )
        plain = await create_contact(client, workspace, ("userid", "plain"))
        assert await list_ids(client, workspace, identifier="G@X.io") == [gold["id"]]
        assert await list_ids(client, workspace, identifier="plain") == [plain["id"]]
        assert await list_ids(client, workspace, tag="tier") == [gold["id"]]
        assert await list_ids(client, workspace, tag="tier=gold") == [gold["id"]]
        assert await list_ids(client, workspace, tag="tier=silver") == []

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"limit": 0}, "limit"),
            ({"limit": 501}, "limit"),
            ({"limit": "many"}, "limit"),
            ({"order": "sideways"}, "order"),
        ],
    )
    async def test_rejects_invalid_parameters_with_422(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        params: dict[str, Any],
        field: str,
    ) -> None:
        response = await client.get("/v1/contacts", params=params, headers=workspace.headers)
        assert response.status_code == 422
        assert error_of(response)["details"]["field"] == field

    async def test_a_bad_cursor_or_tag_filter_is_400(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        bad_cursor = await client.get(
            "/v1/contacts", params={"cursor": "not-a-cursor"}, headers=workspace.headers
        )
        assert bad_cursor.status_code == 400
        assert error_of(bad_cursor)["code"] == "invalid_cursor"
        assert error_of(bad_cursor)["details"]["field"] == "cursor"
        bad_tag = await client.get("/v1/contacts", params={"tag": "=x"}, headers=workspace.headers)
        assert bad_tag.status_code == 400
        assert error_of(bad_tag)["details"]["field"] == "tag"

    async def test_sees_only_the_callers_contacts(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        mine = await create_contact(client, workspace, ("userid", "shared"))
        theirs = await create_contact(client, other_workspace, ("userid", "shared"))
        assert await list_ids(client, workspace) == [mine["id"]]
        assert await list_ids(client, other_workspace, identifier="shared") == [theirs["id"]]


class TestUpdate:
    async def test_patches_tags_and_adds_identifiers(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        created = await create_contact(
            client, workspace, ("userid", "u-patch"), tags={"a": "1", "b": "2"}
        )
        response = await client.patch(
            f"/v1/contacts/{created['id']}",
            json={
                "name": "Patched",
                "tags": {"a": None, "c": "3"},
                "add_identifiers": [{"key": "emailaddress", "value": "P@x.io"}],
            },
            headers=workspace.headers,
        )
        assert response.status_code == 200
        updated = response.json()
        assert (updated["name"], updated["tags"]) == ("Patched", {"b": "2", "c": "3"})
        assert {(i["key"], i["value"]) for i in updated["identifiers"]} == {
            ("userid", "u-patch"),
            ("emailaddress", "p@x.io"),
        }
        fetched = await client.get(f"/v1/contacts/{created['id']}", headers=workspace.headers)
        assert fetched.json() == updated

    async def test_adding_a_taken_identifier_is_409(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        await create_contact(client, workspace, ("userid", "taken"))
        other = await create_contact(client, workspace)
        response = await client.patch(
            f"/v1/contacts/{other['id']}",
            json={"add_identifiers": [{"key": "userid", "value": "taken"}]},
            headers=workspace.headers,
        )
        assert response.status_code == 409
        fetched = await client.get(f"/v1/contacts/{other['id']}", headers=workspace.headers)
        assert fetched.json() == other


class TestDelete:
    async def test_returns_204_and_the_contact_is_gone(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        created = await create_contact(client, workspace, ("userid", "bye"))
        response = await client.delete(f"/v1/contacts/{created['id']}", headers=workspace.headers)
        assert response.status_code == 204
        assert response.content == b""
        fetched = await client.get(f"/v1/contacts/{created['id']}", headers=workspace.headers)
        assert fetched.status_code == 404
        assert error_of(fetched)["details"] == {"resource": "contact", "id": created["id"]}


class TestAccess:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("POST", "/v1/contacts", {}),
            ("POST", "/v1/contacts/get-or-create", {"key": "userid", "value": "x"}),
            ("GET", "/v1/contacts", None),
            ("GET", f"/v1/contacts/{UNKNOWN_ID}", None),
            ("PATCH", f"/v1/contacts/{UNKNOWN_ID}", {"name": "x"}),
            ("DELETE", f"/v1/contacts/{UNKNOWN_ID}", None),
        ],
    )
    async def test_every_endpoint_needs_a_key(
        self, client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
    ) -> None:
        response = await client.request(method, path, json=body)
        assert response.status_code == 401
        assert error_of(response)["code"] == "unauthenticated"

    @pytest.mark.parametrize(
        ("method", "body"), [("GET", None), ("PATCH", {"name": "stolen"}), ("DELETE", None)]
    )
    async def test_another_workspace_gets_404_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
        method: str,
        body: dict[str, Any] | None,
    ) -> None:
        created = await create_contact(client, workspace, ("userid", "private"))
        path = f"/v1/contacts/{created['id']}"
        response = await client.request(method, path, json=body, headers=other_workspace.headers)
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        assert (await client.get(path, headers=workspace.headers)).json() == created

    async def test_get_or_create_in_another_workspace_makes_its_own_contact(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        mine = await create_contact(client, workspace, ("userid", "mine-only"))
        response = await client.post(
            "/v1/contacts/get-or-create",
            json={"key": "userid", "value": "mine-only"},
            headers=other_workspace.headers,
        )
        assert response.json()["created"] is True
        assert response.json()["contact"]["id"] != mine["id"]
