from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hubbub.db.uow import Database
from hubbub.workspaces.schemas import AccessKeyCreate
from hubbub.workspaces.service import workspace as workspace_service
from tests.conftest import WorkspaceFixture
from tests.conversations.helpers import insert_channel, insert_contact

MISSING = "00000000-0000-7000-8000-000000000000"


async def new_contact(database: Database, workspace_id: str, name: str = "Ada") -> str:
    async with database.transaction() as session:
        return await insert_contact(session, workspace_id, name)


async def new_channel(database: Database, workspace_id: str) -> str:
    async with database.transaction() as session:
        return await insert_channel(session, workspace_id)


async def create(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, **body: Any
) -> dict[str, Any]:
    response = await client.post("/v1/conversations", json=body, headers=workspace.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def error_field(response: httpx.Response) -> Any:
    return response.json()["error"]["details"].get("field")


class TestCreate:
    async def test_creates_with_participants(
        self, client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
    ) -> None:
        channel_id = await new_channel(database, workspace.id)
        ada = await new_contact(database, workspace.id)

        body = await create(
            client,
            workspace,
            channel_id=channel_id,
            subject="Hi",
            tags={"a": "1"},
            participant_ids=[ada],
        )

        assert body["status"] == "open"
        assert body["message_count"] == 0
        assert body["channel_id"] == channel_id
        assert body["workspace_id"] == workspace.id
        fetched = await client.get(f"/v1/conversations/{body['id']}", headers=workspace.headers)
        assert fetched.json() == body
        participants = await client.get(
            f"/v1/conversations/{body['id']}/participants", headers=workspace.headers
        )
        assert [p["contact_id"] for p in participants.json()["data"]] == [ada]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"subject": "x" * 999}, "subject"),
            ({"tags": {"a": 1}}, "tags.a"),
            ({"participant_ids": "nope"}, "participant_ids"),
            ({"channel_id": MISSING}, "channel_id"),
            ({"participant_ids": [MISSING]}, "participant_ids"),
        ],
    )
    async def test_invalid_bodies_are_422_naming_the_field(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        body: dict[str, Any],
        field: str,
    ) -> None:
        response = await client.post("/v1/conversations", json=body, headers=workspace.headers)
        assert response.status_code == 422
        assert error_field(response) == field

    async def test_a_read_only_key_cannot_write(
        self, client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
    ) -> None:
        async with database.transaction() as session:
            issued = await workspace_service.create_key(
                session, workspace.id, AccessKeyCreate(name="reader", scopes=["read"])
            )
        headers = {"Authorization": f"Bearer {issued.token}"}
        refused = await client.post("/v1/conversations", json={}, headers=headers)
        allowed = await client.get("/v1/conversations", headers=headers)
        assert refused.status_code == 403
        assert allowed.status_code == 200


class TestGetOrCreate:
    async def test_creates_then_finds(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        url = "/v1/conversations/get-or-create"
        by = ["thread"]
        first = await client.post(
            url,
            json={"tags": {"thread": "1", "n": "a"}, "discriminate_by_tags": by},
            headers=workspace.headers,
        )
        second = await client.post(
            url,
            json={"tags": {"thread": "1", "n": "b"}, "discriminate_by_tags": by},
            headers=workspace.headers,
        )

        assert first.status_code == second.status_code == 200
        assert first.json()["created"] is True
        assert second.json()["created"] is False
        assert second.json()["conversation"]["id"] == first.json()["conversation"]["id"]
        assert second.json()["conversation"]["tags"] == {"thread": "1", "n": "b"}

    async def test_another_workspace_gets_its_own(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        url = "/v1/conversations/get-or-create"
        body = {"tags": {"thread": "shared"}}
        mine = await client.post(url, json=body, headers=workspace.headers)
        theirs = await client.post(url, json=body, headers=other_workspace.headers)
        assert theirs.json()["created"] is True
        assert theirs.json()["conversation"]["id"] != mine.json()["conversation"]["id"]

    async def test_invalid_discriminate_by_is_422(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        response = await client.post(
            "/v1/conversations/get-or-create",
            json={"tags": {}, "discriminate_by_tags": "thread"},
            headers=workspace.headers,
        )
        assert response.status_code == 422
        assert error_field(response) == "discriminate_by_tags"


class TestList:
    async def test_pages_to_the_end_in_both_orders(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        made = [await create(client, workspace) for _ in range(7)]
        ascending = [c["id"] for c in sorted(made, key=lambda c: (c["created_at"], c["id"]))]

        for order, expected in (("asc", ascending), ("desc", ascending[::-1])):
            seen: list[str] = []
            params: dict[str, Any] = {"limit": 3, "order": order}
            while True:
                response = await client.get(
                    "/v1/conversations", params=params, headers=workspace.headers
                )
                assert response.status_code == 200
                page = response.json()
                seen += [c["id"] for c in page["data"]]
                if page["next_cursor"] is None:
                    break
                params["cursor"] = page["next_cursor"]
            assert seen == expected

    async def test_filters_by_tag_status_and_participant(
        self, client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
    ) -> None:
        ada = await new_contact(database, workspace.id)
        tagged = await create(client, workspace, tags={"team": "sales"})
        with_ada = await create(client, workspace, participant_ids=[ada])

        async def ids(**params: str) -> list[str]:
            response = await client.get(
                "/v1/conversations", params=params, headers=workspace.headers
            )
            return [c["id"] for c in response.json()["data"]]

        assert await ids(tag="team=sales") == [tagged["id"]]
        assert await ids(tag="team") == [tagged["id"]]
        assert await ids(participant_id=ada) == [with_ada["id"]]
        assert await ids(status="closed") == []

    @pytest.mark.parametrize(
        ("params", "status", "field"),
        [
            ({"limit": 0}, 422, "limit"),
            ({"limit": 501}, 422, "limit"),
            ({"order": "sideways"}, 422, "order"),
            ({"status": "gone"}, 422, "status"),
            ({"cursor": "not-a-cursor"}, 400, "cursor"),
        ],
    )
    async def test_invalid_parameters(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        params: dict[str, Any],
        status: int,
        field: str,
    ) -> None:
        response = await client.get("/v1/conversations", params=params, headers=workspace.headers)
        assert response.status_code == status
        assert error_field(response) == field

    async def test_shows_nothing_of_another_workspace(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        await create(client, workspace)
        response = await client.get("/v1/conversations", headers=other_workspace.headers)
        assert response.json() == {"data": [], "next_cursor": None}


class TestUpdateAndDelete:
    async def test_patch_then_delete(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        made = await create(client, workspace, tags={"a": "1", "b": "2"})
        url = f"/v1/conversations/{made['id']}"

        # A snooze names its end (the snooze command's rule, also through PATCH).
        until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        body = {"status": "snoozed", "snoozed_until": until, "tags": {"a": None}}
        patched = await client.patch(url, json=body, headers=workspace.headers)
        assert patched.status_code == 200
        assert patched.json()["status"] == "snoozed"
        assert patched.json()["tags"] == {"b": "2"}

        deleted = await client.delete(url, headers=workspace.headers)
        assert deleted.status_code == 204
        assert (await client.get(url, headers=workspace.headers)).status_code == 404

    async def test_invalid_status_is_422(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        made = await create(client, workspace)
        response = await client.patch(
            f"/v1/conversations/{made['id']}", json={"status": "gone"}, headers=workspace.headers
        )
        assert response.status_code == 422
        assert error_field(response) == "status"


class TestParticipants:
    async def test_add_list_remove(
        self, client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
    ) -> None:
        ada = await new_contact(database, workspace.id)
        made = await create(client, workspace)
        url = f"/v1/conversations/{made['id']}/participants"

        added = await client.post(
            url, json={"contact_id": ada, "role": "agent"}, headers=workspace.headers
        )
        assert added.status_code == 201
        assert added.json()["role"] == "agent"
        listed = await client.get(url, headers=workspace.headers)
        assert [p["contact_id"] for p in listed.json()["data"]] == [ada]

        removed = await client.delete(f"{url}/{ada}", headers=workspace.headers)
        assert removed.status_code == 204
        again = await client.delete(f"{url}/{ada}", headers=workspace.headers)
        assert again.status_code == 404
        assert (await client.get(url, headers=workspace.headers)).json()["data"] == []

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "contact_id"),
            ({"contact_id": MISSING}, "contact_id"),
            ({"contact_id": MISSING, "role": "boss"}, "role"),
        ],
    )
    async def test_invalid_participants_are_422(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        body: dict[str, Any],
        field: str,
    ) -> None:
        made = await create(client, workspace)
        response = await client.post(
            f"/v1/conversations/{made['id']}/participants", json=body, headers=workspace.headers
        )
        assert response.status_code == 422
        assert error_field(response) == field


def endpoints(conversation_id: str, contact_id: str) -> list[tuple[str, str, Any]]:
    base = f"/v1/conversations/{conversation_id}"
    return [
        ("GET", base, None),
        ("PATCH", base, {"status": "closed"}),
        ("DELETE", base, None),
        ("GET", f"{base}/participants", None),
        ("POST", f"{base}/participants", {"contact_id": contact_id}),
        ("DELETE", f"{base}/participants/{contact_id}", None),
    ]


class TestIsolation:
    async def test_another_workspace_gets_404_everywhere(
        self,
        client: httpx.AsyncClient,
        database: Database,
        workspace: WorkspaceFixture,
        other_workspace: WorkspaceFixture,
    ) -> None:
        ada = await new_contact(database, workspace.id)
        made = await create(client, workspace, participant_ids=[ada])

        for method, url, body in endpoints(made["id"], ada):
            response = await client.request(method, url, json=body, headers=other_workspace.headers)
            assert response.status_code == 404, (method, url)
            assert response.json()["error"]["code"] == "not_found"

        # Nothing was changed by those calls.
        still = await client.get(f"/v1/conversations/{made['id']}", headers=workspace.headers)
        assert still.json() == made
        participants = await client.get(
            f"/v1/conversations/{made['id']}/participants", headers=workspace.headers
        )
        assert [p["contact_id"] for p in participants.json()["data"]] == [ada]

    async def test_every_endpoint_needs_a_key(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture
    ) -> None:
        made = await create(client, workspace)
        calls = [
            *endpoints(made["id"], MISSING),
            ("POST", "/v1/conversations", {}),
            ("POST", "/v1/conversations/get-or-create", {}),
            ("GET", "/v1/conversations", None),
        ]
        for method, url, body in calls:
            missing = await client.request(method, url, json=body)
            wrong = await client.request(
                method, url, json=body, headers={"Authorization": "Bearer hk_nope.secret"}
            )
            assert missing.status_code == 401, (method, url)
            assert wrong.status_code == 401, (method, url)
            assert missing.json()["error"]["code"] == "unauthenticated"
