"""The optional SSRF guard (``HUBBUB_OUTBOUND_DENY_PRIVATE_NETWORKS``): off by default, when on
it refuses webhook subscriptions and webhook channels whose host is on a loopback, private,
link-local, multicast or unspecified address (422 naming the field), and checks again before
each request (the webhook sender kills the delivery, the webhook channel fails the message)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.delivery.runner import run_due
from hubbub.kit import netguard
from hubbub.kit.ids import new_id
from hubbub.webhooks.repository import WebhookRepository
from tests.conftest import WorkspaceFixture
from tests.webhooks.helpers import (
    eventually,
    record_events,
    running_sender,
    sender_settings,
    settled,
    subscribe,
)
from tests.webhooks.receiver import Receiver

FORBIDDEN = [
    "http://127.0.0.1:9/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://224.0.0.1/hook",
    "http://0.0.0.0/hook",
]


@pytest.fixture
def guard_on(settings: Settings) -> Iterator[None]:
    netguard.configure(settings.model_copy(update={"outbound_deny_private_networks": True}))
    yield
    netguard.configure(settings)


@pytest.mark.parametrize("url", FORBIDDEN)
async def test_private_destinations_are_refused(url: str) -> None:
    with pytest.raises(netguard.BlockedDestination):
        await netguard.check_url(url)


async def test_public_addresses_pass_and_the_guard_is_off_by_default(settings: Settings) -> None:
    await netguard.check_url("https://93.184.216.34/hook")
    assert not netguard.is_forbidden(ipaddress.ip_address("2606:4700::1111"))
    assert settings.outbound_deny_private_networks is False
    await netguard.check_url_if_enabled("http://127.0.0.1/hook", enabled=False)


async def test_with_the_guard_on_a_private_subscription_url_is_a_422(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, guard_on: None
) -> None:
    refused = await client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:8080/hook"}, headers=workspace.headers
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"]["field"] == "url"
    created = await client.post(
        "/v1/webhooks", json={"url": "https://93.184.216.34/hook"}, headers=workspace.headers
    )
    assert created.status_code == 201, created.text
    patched = await client.patch(
        f"/v1/webhooks/{created.json()['id']}",
        json={"url": "http://10.0.0.8/hook"},
        headers=workspace.headers,
    )
    assert patched.status_code == 422, patched.text
    assert patched.json()["error"]["details"]["field"] == "url"


async def test_with_the_guard_on_a_private_webhook_channel_url_is_a_422(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, guard_on: None
) -> None:
    body = {
        "platform": "webhook",
        "name": "internal",
        "config": {"url": "http://192.168.1.20/in", "secret": "s"},
    }
    refused = await client.post("/v1/channels", json=body, headers=workspace.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"]["field"] == "config.url"
    public = {**body, "config": {"url": "https://93.184.216.34/in", "secret": "s"}}
    created = await client.post("/v1/channels", json=public, headers=workspace.headers)
    assert created.status_code == 201, created.text
    patched = await client.patch(
        f"/v1/channels/{created.json()['id']}",
        json={"config": {"url": "http://127.0.0.1/in", "secret": "s"}},
        headers=workspace.headers,
    )
    assert patched.status_code == 422, patched.text


async def test_with_the_guard_off_internal_urls_are_accepted(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    created = await client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:8080/hook"}, headers=workspace.headers
    )
    assert created.status_code == 201, created.text


async def test_the_sender_checks_again_and_kills_the_delivery(
    database: Database, workspace: WorkspaceFixture, receiver: Receiver, tmp_path: Path
) -> None:
    # Made while the guard was off (or while the name resolved elsewhere).
    hook = await subscribe(database, workspace.id, receiver.url)
    settings = sender_settings(tmp_path, outbound_deny_private_networks=True)
    async with running_sender(database, settings):
        events = await record_events(database, workspace.id, [(new_id(), "message.created")])
        await eventually(lambda: settled(database, workspace.id, hook.id, events[-1].seq))
    async with database.read() as session:
        repository = WebhookRepository(session)
        [delivery] = await repository.list_deliveries(
            workspace.id, hook.id, status="dead", limit=10, after=None, order="asc"
        )
    assert delivery.attempts == 1  # permanent: no retries
    assert delivery.last_error is not None
    assert "SSRF guard" in delivery.last_error
    assert receiver.received == []


async def test_a_webhook_channel_fails_the_message_when_the_guard_refuses_at_send_time(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    receiver: Receiver,
) -> None:
    body = {
        "platform": "webhook",
        "name": "hook",
        "config": {"url": f"{receiver.url}/in", "secret": "s"},
    }
    channel = await client.post("/v1/channels", json=body, headers=workspace.headers)
    assert channel.status_code == 201, channel.text
    message = await client.post(
        "/v1/messages",
        json={
            "channel_id": channel.json()["id"],
            "recipients": [{"value": "u-1"}],
            "payload": {"type": "text", "text": "hi"},
        },
        headers=workspace.headers,
    )
    assert message.status_code == 201, message.text
    guarded = settings.model_copy(update={"outbound_deny_private_networks": True})
    await run_due(database, guarded, workspace_id=workspace.id)
    found = await client.get(f"/v1/messages/{message.json()['id']}", headers=workspace.headers)
    assert found.json()["status"] == "failed"
    assert found.json()["failure"]["code"] == "destination_blocked"
    assert receiver.received == []
