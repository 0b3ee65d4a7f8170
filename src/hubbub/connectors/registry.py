"""Which connector sends a channel's messages.

A channel without provider settings (an empty ``config``) goes through the sandbox, whatever its
platform, so every channel works out of the box and tests need no provider. A configured channel
goes through its platform's connector: one entry per platform in ``CONNECTORS``, a factory that
builds the connector from the shared ``ConnectorContext``.
"""

from __future__ import annotations

from collections.abc import Callable

from hubbub.connectors.base import ChannelInfo, Connector, ConnectorContext
from hubbub.connectors.email import EmailConnector
from hubbub.connectors.sandbox import SandboxConnector
from hubbub.connectors.twilio import TwilioConnector
from hubbub.connectors.webhook import WebhookConnector
from hubbub.connectors.whatsapp import WhatsAppConnector


class NoConnector(Exception):
    """A configured channel whose platform has no connector in this build."""


# The connectors engineer adds one entry per platform: "email", "webhook", "sms", "whatsapp".
CONNECTORS: dict[str, Callable[[ConnectorContext], Connector]] = {
    "email": EmailConnector,
    "webhook": WebhookConnector,
    "sms": TwilioConnector,
    "whatsapp": WhatsAppConnector,
}


def is_sandboxed(channel: ChannelInfo) -> bool:
    return channel.platform == "sandbox" or not channel.config


def connector_for(channel: ChannelInfo, context: ConnectorContext) -> Connector:
    if is_sandboxed(channel):
        return SandboxConnector(context)
    factory = CONNECTORS.get(channel.platform)
    if factory is None:
        raise NoConnector(f"no connector for platform {channel.platform!r}")
    return factory(context)
