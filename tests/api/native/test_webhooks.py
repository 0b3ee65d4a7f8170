"""``/v1/webhooks``: managing subscriptions, and the deliveries, attempts and replay of a real
sender posting to a real receiver on loopback."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from hubbub.db.uow import Database
from tests.conftest import WorkspaceFixture
from tests.webhooks.helpers import eventually, running_sender, sender_settings
from tests.webhooks.receiver import Receiver, verify_standard_webhook


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.stop()


async def create_webhook(
    client: httpx.AsyncClient, owner: WorkspaceFixture, **body: Any
) -> dict[str, Any]:
    response = await client.post("/v1/webhooks", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_subscriptions_are_created_read_updated_and_deleted(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    created = await create_webhook(
        client, workspace, url="https://example.test/hook", event_types=["message.*"]
    )
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 24
    assert created["event_types"] == ["message.*"]
    assert created["enabled"] is True
    path = f"/v1/webhooks/{created['id']}"

    fetched = (await client.get(path, headers=workspace.headers)).json()
    assert "secret" not in fetched
    assert fetched == {k: v for k, v in created.items() if k != "secret"}
    listed = (await client.get("/v1/webhooks", headers=workspace.headers)).json()
    assert [w["id"] for w in listed["data"]] == [created["id"]]

    patched = await client.patch(
        path, json={"enabled": False, "event_types": ["*"]}, headers=workspace.headers
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["enabled"], patched.json()["event_types"]) == (False, ["*"])
    assert (await client.get(path, headers=workspace.headers)).json()["enabled"] is False

    assert (await client.delete(path, headers=workspace.headers)).status_code == 204
    assert (await client.get(path, headers=workspace.headers)).status_code == 404


async def test_bad_subscriptions_are_client_errors(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    bodies = [
        {"url": "not a url"},
        {"url": "ftp://example.test/hook"},
        {"url": "https://example.test/hook", "event_types": ["Message created!"]},
        {"url": "https://example.test/hook", "event_types": []},
        {"url": "https://example.test/hook", "conversation_id": "no-such-conversation"},
    ]
    for body in bodies:
        response = await client.post("/v1/webhooks", json=body, headers=workspace.headers)
        assert 400 <= response.status_code < 500, body
        assert response.status_code != 404, body
        assert set(response.json()["error"]) == {"code", "message", "details"}, body


@pytest.mark.parametrize("pattern", ["nonsense.event", "message.creatd", "nonsense.*"])
async def test_a_subscription_to_an_unknown_event_type_is_refused(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, pattern: str
) -> None:
    body = {"url": "https://example.test/hook", "event_types": ["message.*", pattern]}
    response = await client.post("/v1/webhooks", json=body, headers=workspace.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["field"] == "event_types"
    assert pattern in response.json()["error"]["message"]
    created = await client.post(
        "/v1/webhooks",
        json={"url": "https://example.test/hook", "event_types": ["message.*"]},
        headers=workspace.headers,
    )
    patched = await client.patch(
        f"/v1/webhooks/{created.json()['id']}",
        json={"event_types": [pattern]},
        headers=workspace.headers,
    )
    assert patched.status_code == 422, patched.text


async def test_managing_subscriptions_takes_an_admin_key(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    issued = await client.post(
        f"/v1/workspaces/{workspace.id}/keys",
        json={"scopes": ["read", "write"]},
        headers=workspace.headers,
    )
    writer = {"Authorization": f"Bearer {issued.json()['token']}"}
    response = await client.post(
        "/v1/webhooks", json={"url": "https://example.test/hook"}, headers=writer
    )
    assert response.status_code == 403
    assert (await client.get("/v1/webhooks", headers=writer)).status_code == 200


async def test_deliveries_attempts_and_replay_through_the_api(
    client: httpx.AsyncClient,
    database: Database,
    workspace: WorkspaceFixture,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    hook = await create_webhook(client, workspace, url=receiver.url)
    deliveries_path = f"/v1/webhooks/{hook['id']}/deliveries"
    conversation = await client.post("/v1/conversations", json={}, headers=workspace.headers)
    assert conversation.status_code == 201
    message = await client.post(
        "/v1/messages",
        json={
            "conversation_id": conversation.json()["id"],
            "payload": {"type": "text", "text": "hello"},
        },
        headers=workspace.headers,
    )
    assert message.status_code == 201, message.text
    log = (await client.get("/v1/events?order=asc", headers=workspace.headers)).json()["data"]

    async def all_succeeded(count: int) -> bool:
        response = await client.get(
            deliveries_path, params={"status": "succeeded"}, headers=workspace.headers
        )
        return len(response.json()["data"]) == count

    async with running_sender(database, sender_settings(tmp_path)):
        await eventually(lambda: all_succeeded(len(log)))
        assert [r.event["id"] for r in receiver.accepted] == [e["id"] for e in log]
        assert all(
            verify_standard_webhook(hook["secret"], r.headers, r.body) for r in receiver.received
        )

        deliveries = (await client.get(deliveries_path, headers=workspace.headers)).json()["data"]
        first = deliveries[-1]  # newest first
        assert first["event_id"] == log[0]["id"]
        assert (first["status"], first["attempts"], first["last_status_code"]) == (
            "succeeded",
            1,
            200,
        )
        attempts = await client.get(
            f"{deliveries_path}/{first['id']}/attempts", headers=workspace.headers
        )
        assert attempts.status_code == 200
        [attempt] = attempts.json()["data"]
        assert (attempt["status_code"], attempt["error"]) == (200, None)

        replay = await client.post(
            f"/v1/webhooks/{hook['id']}/replay",
            json={"from_event_id": log[-1]["id"]},
            headers=workspace.headers,
        )
        assert replay.status_code == 202, replay.text
        assert replay.json()["from_seq"] == log[-1]["seq"]
        await eventually(lambda: all_succeeded(len(log) + 1))
    assert receiver.accepted[-1].event["id"] == log[-1]["id"]

    unknown = await client.post(
        f"/v1/webhooks/{hook['id']}/replay",
        json={"from_event_id": "no-such-event"},
        headers=workspace.headers,
    )
    assert unknown.status_code == 422
    missing = await client.get(
        f"{deliveries_path}/no-such-delivery/attempts", headers=workspace.headers
    )
    assert missing.status_code == 404
