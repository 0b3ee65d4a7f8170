from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import pytest_asyncio

from hubbub.db.uow import Database
from tests.conftest import WorkspaceFixture
from tests.messages.factories import Scene, make_channel, make_scene, text


@pytest_asyncio.fixture
async def scene(database: Database, workspace: WorkspaceFixture) -> Scene:
    async with database.transaction() as session:
        return await make_scene(session, workspace.id)


async def post_message(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, body: dict[str, Any], **headers: str
) -> httpx.Response:
    return await client.post("/v1/messages", json=body, headers={**workspace.headers, **headers})


async def new_message_url(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
) -> str:
    body = {"conversation_id": scene.conversation.id, "payload": text("a")}
    created = (await post_message(client, workspace, body)).json()
    return f"/v1/messages/{created['id']}"


def error_field(response: httpx.Response) -> str:
    details: dict[str, Any] = response.json()["error"]["details"]
    return str(details.get("field"))


class TestCreate:
    async def test_create_then_get(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        response = await post_message(
            client,
            workspace,
            {"conversation_id": scene.conversation.id, "payload": text("hi"), "tags": {"a": "1"}},
        )
        assert response.status_code == 201
        created = response.json()
        assert created["status"] == "accepted"
        assert created["text"] == "hi"
        assert created["recipients"][0]["value"] == "+15550001"
        assert created["created_at"].endswith("Z")
        fetched = await client.get(f"/v1/messages/{created['id']}", headers=workspace.headers)
        assert fetched.status_code == 200
        assert fetched.json() == created

    async def test_create_by_channel_and_recipient(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        response = await post_message(
            client,
            workspace,
            {
                "channel_id": scene.channel.id,
                "recipients": [{"value": "+15550001"}],
                "direction": "incoming",
                "payload": {"type": "location", "latitude": 1.5, "longitude": 2.5},
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert body["conversation_id"] == scene.conversation.id
        assert body["author"] == {"type": "contact", "id": scene.contact.id}
        assert body["status"] == "delivered"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "payload"),
            ({"payload": {"type": "hologram"}}, "payload"),
            ({"payload": {"type": "text"}}, "payload.text.text"),
            ({"payload": {"type": "text", "text": "x" * 20000}}, "payload.text.text"),
            ({"payload": text("x"), "direction": "sideways"}, "direction"),
            ({"payload": text("x"), "surprise": 1}, "surprise"),
            ({"payload": text("x"), "scheduled_for": "soon"}, "scheduled_for"),
            ({"payload": text("x"), "recipients": [{"value": ""}]}, "recipients.0.value"),
            ({"payload": text("x"), "tags": {"k": 5}}, "tags.k"),
        ],
    )
    async def test_validation_names_the_field(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        scene: Scene,
        body: dict[str, Any],
        field: str,
    ) -> None:
        response = await post_message(
            client, workspace, {"conversation_id": scene.conversation.id, **body}
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "unprocessable"
        assert error_field(response) == field

    async def test_several_recipients_on_sms(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        response = await post_message(
            client,
            workspace,
            {
                "channel_id": scene.channel.id,
                "recipients": [{"value": "+1555000"}, {"value": "+1555001", "type": "cc"}],
                "payload": text("hi all"),
            },
        )
        assert response.status_code == 422
        assert error_field(response) == "recipients"

    async def test_several_recipients_on_email(
        self,
        client: httpx.AsyncClient,
        database: Database,
        workspace: WorkspaceFixture,
    ) -> None:
        async with database.transaction() as session:
            email = await make_channel(session, workspace.id, "email")
        response = await post_message(
            client,
            workspace,
            {
                "channel_id": email.id,
                "recipients": [
                    {"value": "a@example.com"},
                    {"value": "b@example.com", "type": "cc"},
                ],
                "subject": "Hello",
                "payload": text("hi all"),
            },
        )
        assert response.status_code == 201
        assert [r["type"] for r in response.json()["recipients"]] == ["to", "cc"]


class TestIdempotency:
    async def test_replay_answers_the_first_response(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        body = {
            "conversation_id": scene.conversation.id,
            "payload": text("once"),
            "tags": {"i": "1"},
        }
        first = await post_message(client, workspace, body, **{"Idempotency-Key": "k-1"})
        again = await post_message(client, workspace, body, **{"Idempotency-Key": "k-1"})
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.content == first.content
        assert again.headers["idempotent-replayed"] == "true"
        listed = await client.get("/v1/messages?tag=i=1", headers=workspace.headers)
        assert [m["id"] for m in listed.json()["data"]] == [first.json()["id"]]

    async def test_the_same_json_spelled_otherwise_replays(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        conversation_id = scene.conversation.id
        spellings = [
            '{"conversation_id": "ID", "payload": {"type": "text", "text": "same"},'
            ' "tags": {"a": "1", "b": "2"}}',
            '{"tags":{"b":"2","a":"1"},"payload":{"text":"same","type":"text"},'
            '"subject":null,\n  "conversation_id":"ID"}',
        ]
        spellings = [body.replace("ID", conversation_id) for body in spellings]
        headers = {
            **workspace.headers,
            "Idempotency-Key": "k-spelling",
            "Content-Type": "application/json",
        }
        first, again = [
            await client.post("/v1/messages", content=body, headers=headers) for body in spellings
        ]
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]

    async def test_another_body_with_the_same_key_conflicts(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        body = {"conversation_id": scene.conversation.id, "payload": text("one")}
        first = await post_message(client, workspace, body, **{"Idempotency-Key": "k-2"})
        other = await post_message(
            client, workspace, {**body, "payload": text("two")}, **{"Idempotency-Key": "k-2"}
        )
        assert first.status_code == 201
        assert other.status_code == 409
        assert other.json()["error"]["code"] == "idempotency_conflict"

    async def test_a_failed_request_leaves_the_key_free(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        bad = await post_message(
            client,
            workspace,
            {"conversation_id": "missing", "payload": text("x")},
            **{"Idempotency-Key": "k-3"},
        )
        good = await post_message(
            client,
            workspace,
            {"conversation_id": scene.conversation.id, "payload": text("x")},
            **{"Idempotency-Key": "k-3"},
        )
        assert (bad.status_code, good.status_code) == (404, 201)

    async def test_concurrent_replays_create_one_message(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        body = {
            "conversation_id": scene.conversation.id,
            "payload": text("race"),
            "tags": {"r": "1"},
        }
        responses = await asyncio.gather(
            *(
                post_message(client, workspace, body, **{"Idempotency-Key": "k-4"})
                for _ in range(10)
            )
        )
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1
        listed = await client.get("/v1/messages?tag=r=1", headers=workspace.headers)
        assert len(listed.json()["data"]) == 1


async def test_get_or_create(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
) -> None:
    body = {"conversation_id": scene.conversation.id, "payload": text("v1"), "tags": {"ref": "x"}}
    first = await client.post("/v1/messages/get-or-create", json=body, headers=workspace.headers)
    again = await client.post(
        "/v1/messages/get-or-create",
        json={**body, "payload": text("v2")},
        headers=workspace.headers,
    )
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["created"] is True
    assert again.json()["created"] is False
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert again.json()["message"]["text"] == "v2"


class TestList:
    async def test_filters_and_paging(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        ids = []
        for n in range(7):
            response = await post_message(
                client,
                workspace,
                {
                    "conversation_id": scene.conversation.id,
                    "payload": text(f"number {n} banana" if n % 2 else f"number {n}"),
                    "tags": {"n": str(n), "odd": "yes"} if n % 2 else {"n": str(n)},
                },
            )
            ids.append(response.json()["id"])
        for order, expected in (("desc", ids[::-1]), ("asc", ids)):
            seen, cursor = [], None
            while True:
                params: dict[str, Any] = {"limit": 3, "order": order}
                if cursor:
                    params["cursor"] = cursor
                page = (
                    await client.get("/v1/messages", params=params, headers=workspace.headers)
                ).json()
                seen += [m["id"] for m in page["data"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert seen == expected
        odd = await client.get(
            "/v1/messages",
            params=[("tag", "odd"), ("tag", "n=3"), ("q", "banana"), ("direction", "outgoing")],
            headers=workspace.headers,
        )
        assert [m["id"] for m in odd.json()["data"]] == [ids[3]]
        statuses = await client.get(
            "/v1/messages",
            params=[("status", "read"), ("status", "accepted"), ("limit", 500)],
            headers=workspace.headers,
        )
        assert len(statuses.json()["data"]) == 7

    @pytest.mark.parametrize(
        ("params", "status", "code", "field"),
        [
            ({"cursor": "garbage"}, 400, "invalid_cursor", "cursor"),
            ({"created_after": "yesterday"}, 422, "unprocessable", "created_after"),
            ({"updated_before": "2024-13-45"}, 422, "unprocessable", "updated_before"),
            ({"limit": 0}, 422, "unprocessable", "limit"),
            ({"limit": 501}, 422, "unprocessable", "limit"),
            ({"order": "sideways"}, 422, "unprocessable", "order"),
            ({"status": "lost"}, 422, "unprocessable", "status.0"),
            ({"tag": "=v"}, 422, "unprocessable", "tag"),
        ],
    )
    async def test_bad_parameters(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        params: dict[str, Any],
        status: int,
        code: str,
        field: str,
    ) -> None:
        response = await client.get("/v1/messages", params=params, headers=workspace.headers)
        assert response.status_code == status
        assert response.json()["error"]["code"] == code
        assert error_field(response) == field

    async def test_dates_filter(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        first = await post_message(
            client, workspace, {"conversation_id": scene.conversation.id, "payload": text("a")}
        )
        second = await post_message(
            client, workspace, {"conversation_id": scene.conversation.id, "payload": text("b")}
        )
        response = await client.get(
            "/v1/messages",
            params={"created_after": first.json()["created_at"]},
            headers=workspace.headers,
        )
        assert response.status_code == 200
        assert [m["id"] for m in response.json()["data"]] == [second.json()["id"]]


class TestOneMessage:
    async def test_patch_delete_interactions_status(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        headers = workspace.headers
        created = (
            await post_message(
                client,
                workspace,
                {
                    "conversation_id": scene.conversation.id,
                    "payload": text("a"),
                    "tags": {"x": "1"},
                },
            )
        ).json()
        url = f"/v1/messages/{created['id']}"
        patched = await client.patch(
            url, json={"payload": text("b"), "tags": {"x": None, "y": "2"}}, headers=headers
        )
        assert patched.status_code == 200
        assert (patched.json()["text"], patched.json()["tags"]) == ("b", {"y": "2"})

        read = await client.post(f"{url}/status", json={"status": "read"}, headers=headers)
        late = await client.post(f"{url}/status", json={"status": "delivered"}, headers=headers)
        assert (read.json()["changed"], late.json()["changed"]) == (True, False)
        assert late.json()["message"]["status"] == "read"

        clicked = await client.post(
            f"{url}/interactions",
            json={"type": "clicked", "details": {"url": "x"}},
            headers=headers,
        )
        assert clicked.status_code == 201
        listed = await client.get(f"{url}/interactions", params={"order": "asc"}, headers=headers)
        assert [i["type"] for i in listed.json()["data"]] == ["read", "clicked"]
        assert listed.json()["next_cursor"] is None

        deleted = await client.delete(url, headers=headers)
        assert deleted.status_code == 204
        assert (await client.get(url, headers=headers)).status_code == 404

    async def test_a_failed_message_is_retried_through_the_status_machine(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        headers = workspace.headers
        url = await new_message_url(client, workspace, scene)
        early = await client.post(f"{url}/retry", headers=headers)
        assert early.status_code == 409
        assert early.json()["error"]["code"] == "conflict"
        failure = {"stage": "sending", "code": "down", "reason": "the receiver was down"}
        await client.post(
            f"{url}/status", json={"status": "failed", "failure": failure}, headers=headers
        )

        retried = await client.post(f"{url}/retry", headers=headers)
        assert retried.status_code == 200, retried.text
        assert (retried.json()["status"], retried.json()["failure"]) == ("accepted", None)
        listed = await client.get(f"{url}/interactions", params={"order": "asc"}, headers=headers)
        last = listed.json()["data"][-1]
        assert (last["type"], last["details"]) == (
            "accepted",
            {"status": "accepted", "previous": "failed", "retry": True},
        )
        events = await client.get(
            "/v1/events", params={"type": "message.status_changed"}, headers=headers
        )
        assert events.json()["data"][-1]["data"]["retry"] is True
        jobs = await client.get("/v1/jobs", headers=headers)
        pending = [job for job in jobs.json()["data"] if url.endswith(job["target_id"])]
        assert [job["status"] for job in pending] == ["pending"]

    async def test_read_of_a_message_only_sent_records_delivered_first(
        self, client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
    ) -> None:
        headers = workspace.headers
        url = await new_message_url(client, workspace, scene)
        sent = await client.post(f"{url}/status", json={"status": "sent"}, headers=headers)
        read = await client.post(f"{url}/status", json={"status": "read"}, headers=headers)
        assert (sent.json()["changed"], read.json()["changed"]) == (True, True)
        assert read.json()["message"]["status"] == "read"
        listed = await client.get(f"{url}/interactions", params={"order": "asc"}, headers=headers)
        assert [(i["type"], i["details"]["previous"]) for i in listed.json()["data"]] == [
            ("sent", "accepted"),
            ("delivered", "sent"),
            ("read", "delivered"),
        ]

    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/status", {"status": "teleported"}, "status"),
            ("/status", {"status": "sent", "failure": {"stage": "sending"}}, "failure"),
            ("/status", {"status": "failed", "failure": {"stage": "moon"}}, "failure.stage"),
            ("/interactions", {"type": "licked"}, "type"),
            ("", {"payload": {"type": "nope"}}, "payload"),
        ],
    )
    async def test_invalid_changes(
        self,
        client: httpx.AsyncClient,
        workspace: WorkspaceFixture,
        scene: Scene,
        path: str,
        body: dict[str, Any],
        field: str,
    ) -> None:
        created = await post_message(
            client, workspace, {"conversation_id": scene.conversation.id, "payload": text("a")}
        )
        url = f"/v1/messages/{created.json()['id']}{path}"
        send = client.patch if path == "" else client.post
        response = await send(url, json=body, headers=workspace.headers)
        assert response.status_code == 422
        assert error_field(response) == field


def every_endpoint(message_id: str, conversation_id: str) -> list[tuple[str, str, Any]]:
    one = f"/v1/messages/{message_id}"
    return [
        ("POST", "/v1/messages", {"conversation_id": conversation_id, "payload": text("x")}),
        (
            "POST",
            "/v1/messages/get-or-create",
            {"conversation_id": conversation_id, "payload": text("x"), "tags": {"a": "b"}},
        ),
        ("GET", one, None),
        ("PATCH", one, {"tags": {"a": "b"}}),
        ("DELETE", one, None),
        ("GET", f"{one}/interactions", None),
        ("POST", f"{one}/interactions", {"type": "opened"}),
        ("POST", f"{one}/status", {"status": "sent"}),
    ]


async def test_every_endpoint_needs_a_key(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
) -> None:
    created = await post_message(
        client, workspace, {"conversation_id": scene.conversation.id, "payload": text("a")}
    )
    calls = [
        *every_endpoint(created.json()["id"], scene.conversation.id),
        ("GET", "/v1/messages", None),
    ]
    for method, url, body in calls:
        response = await client.request(method, url, json=body)
        assert response.status_code == 401, (method, url)
        assert response.json()["error"]["code"] == "unauthenticated"


async def test_another_workspace_finds_nothing(
    client: httpx.AsyncClient,
    workspace: WorkspaceFixture,
    other_workspace: WorkspaceFixture,
    scene: Scene,
) -> None:
    created = await post_message(
        client, workspace, {"conversation_id": scene.conversation.id, "payload": text("mine")}
    )
    message_id = created.json()["id"]
    for method, url, body in every_endpoint(message_id, scene.conversation.id):
        response = await client.request(method, url, json=body, headers=other_workspace.headers)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"]["code"] == "not_found"
    listed = await client.get("/v1/messages", headers=other_workspace.headers)
    assert listed.json() == {"data": [], "next_cursor": None}
    still = await client.get(f"/v1/messages/{message_id}", headers=workspace.headers)
    assert still.json()["tags"] == {}
