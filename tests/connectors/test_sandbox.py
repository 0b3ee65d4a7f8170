"""The sandbox connector and the connector registry."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hubbub.connectors import registry, twilio
from hubbub.connectors.base import (
    Address,
    ChannelInfo,
    ConnectorContext,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
)
from hubbub.connectors.registry import NoConnector, connector_for, is_sandboxed
from hubbub.connectors.sandbox import SandboxConnector, next_step
from hubbub.connectors.twilio import TwilioConnector


def channel(platform: str = "sms", **config: object) -> ChannelInfo:
    return ChannelInfo(
        id="c1", workspace_id="w1", platform=platform, identifier=None, config=config
    )


async def test_the_sandbox_accepts_with_a_provider_id_derived_from_ours(
    context: ConnectorContext,
) -> None:
    message = OutboundMessage(
        id="m1",
        workspace_id="w1",
        conversation_id="c1",
        channel=channel(),
        recipients=(Address("phonenumber", "+1555"),),
        type="text",
        payload={"type": "text", "text": "hi"},
        text="hi",
    )
    sandbox = SandboxConnector(context)
    first = await sandbox.send(message)
    assert (first.provider_message_id, first.status) == ("sandbox-m1", "sent")
    assert await sandbox.send(message) == first  # a re-send after a crash is the same message


async def test_the_sandbox_refuses_requests_from_outside(context: ConnectorContext) -> None:
    with pytest.raises(InvalidSignature):
        await SandboxConnector(context).parse_inbound(
            channel(), InboundRequest("POST", "http://h.test/inbound/c1", {}, b"{}")
        )


def test_the_walk_goes_sent_delivered_read_and_stops() -> None:
    assert [next_step(s) for s in ("sent", "delivered", "read", "failed", "accepted")] == [
        "delivered",
        "read",
        None,
        None,
        None,
    ]


async def test_a_channel_without_settings_goes_through_the_sandbox(
    context: ConnectorContext,
) -> None:
    assert is_sandboxed(channel("whatsapp"))
    assert is_sandboxed(channel("sandbox", anything="x"))
    assert not is_sandboxed(channel("sms", account_sid="AC1"))
    assert not is_sandboxed(channel("webchat"))  # Hubbub is its provider
    assert isinstance(connector_for(channel("email"), context), SandboxConnector)
    configured = channel("sms", account_sid="AC1")
    assert isinstance(connector_for(configured, context), TwilioConnector)
    with registry.unregistered("sms"), pytest.raises(NoConnector, match="sms"):
        connector_for(configured, context)
    with registry.registered(replace(twilio.PLATFORM, connector=SandboxConnector)):
        assert isinstance(connector_for(configured, context), SandboxConnector)
    assert isinstance(connector_for(configured, context), TwilioConnector)
