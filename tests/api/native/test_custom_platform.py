"""A platform added from outside Hubbub's modules: a fake "pager" (its descriptor, a connector
that records what it sends, a settings model) registered from this test works through the
native API end to end, and is gone once unregistered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, ClassVar

import httpx
import pytest

from hubbub.config import Settings
from hubbub.connectors import base, registry
from hubbub.connectors.platform import SECRET, TEXT, ChannelSettings, PlatformDescriptor
from hubbub.db.uow import Database
from hubbub.delivery.runner import run_due
from tests.conftest import WorkspaceFixture


class PagerConnector:
    platform = "pager"
    sent: ClassVar[list[base.OutboundMessage]] = []

    def __init__(self, context: base.ConnectorContext) -> None:
        self.context = context

    async def send(self, message: base.OutboundMessage) -> base.SendResult:
        PagerConnector.sent.append(message)
        return base.SendResult(provider_message_id=f"page-{len(PagerConnector.sent)}")

    async def parse_inbound(
        self, channel: base.ChannelInfo, request: base.InboundRequest
    ) -> base.InboundBatch:
        raise base.InvalidSignature("pagers do not answer")


class PagerSettings(ChannelSettings):
    gateway: Annotated[str, TEXT]
    """Where pages are sent."""
    api_key: Annotated[str, SECRET]
    """The gateway's key."""
    priority: int | None = None
    """1 (highest) to 5."""


PAGER = PlatformDescriptor(
    name="pager",
    title="Pager",
    identifier_key="pagerid",
    connector=PagerConnector,
    settings=PagerSettings,
)
CONFIG = {"gateway": "https://pages.example.test", "api_key": "k-1", "priority": 2}


@pytest.fixture
def pager() -> Iterator[type[PagerConnector]]:
    PagerConnector.sent = []
    with registry.registered(PAGER):
        yield PagerConnector
    assert registry.find("pager") is None


async def create_channel(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, config: dict[str, Any]
) -> httpx.Response:
    body = {"platform": "pager", "name": "on call", "config": config}
    return await client.post("/v1/channels", json=body, headers=workspace.headers)


async def test_a_platform_registered_from_a_test_works_end_to_end(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    pager: type[PagerConnector],
) -> None:
    assert PAGER.secret_fields == {"api_key"}
    assert PAGER.required_fields == {"gateway", "api_key"}
    invalid: list[tuple[dict[str, Any], str]] = [
        ({"gateway": "https://pages.example.test"}, "config.api_key"),
        ({**CONFIG, "priority": "high"}, "config.priority"),
        ({**CONFIG, "volume": 11}, "config.volume"),
    ]
    for config, field in invalid:
        refused = await create_channel(client, workspace, config)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"]["field"] == field

    created = await create_channel(client, workspace, CONFIG)
    assert created.status_code == 201, created.text
    channel = created.json()
    assert (channel["platform"], channel["config"]) == ("pager", CONFIG)
    listed = await client.get(
        "/v1/channels", params={"platform": "pager"}, headers=workspace.headers
    )
    assert [c["id"] for c in listed.json()["data"]] == [channel["id"]]

    # A pager is one-to-one: several recipients are refused like on SMS.
    several = await client.post(
        "/v1/messages",
        json={
            "channel_id": channel["id"],
            "recipients": [{"value": "P-1"}, {"value": "P-2"}],
            "payload": {"type": "text", "text": "two"},
        },
        headers=workspace.headers,
    )
    assert several.status_code == 422
    assert several.json()["error"]["details"]["field"] == "recipients"

    response = await client.post(
        "/v1/messages",
        json={
            "channel_id": channel["id"],
            "recipients": [{"value": "P-1001"}],
            "payload": {"type": "text", "text": "the build is red"},
        },
        headers=workspace.headers,
    )
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["status"] == "accepted"
    # Addressed under the platform's identifier key, with none named.
    assert [(r["key"], r["value"]) for r in message["recipients"]] == [("pagerid", "P-1001")]

    await run_due(database, settings, workspace_id=workspace.id)
    [page] = pager.sent
    assert (page.id, page.text, page.channel.platform) == (
        message["id"],
        "the build is red",
        "pager",
    )
    assert [(r.key, r.value) for r in page.recipients] == [("pagerid", "P-1001")]
    assert page.channel.config == CONFIG
    sent = await client.get(f"/v1/messages/{message['id']}", headers=workspace.headers)
    assert sent.json()["status"] == "sent"


async def test_an_unregistered_platform_is_refused_again(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    with registry.registered(PAGER):
        assert (await create_channel(client, workspace, CONFIG)).status_code == 201
    refused = await create_channel(client, workspace, CONFIG)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["field"] == "platform"
    # The channel made meanwhile is still listed, as stored.
    listed = await client.get("/v1/channels", headers=workspace.headers)
    assert [c["platform"] for c in listed.json()["data"]] == ["pager"]
