"""Which connector sends a channel's messages.

A channel without provider settings (an empty ``config``) goes through the sandbox, whatever its
platform, so every channel works out of the box and tests need no provider. A configured channel
goes through its platform's connector: one entry per platform in ``CONNECTORS``, a factory that
builds the connector from the shared ``ConnectorContext``. Platforms where Hubbub itself is the
provider (``SELF_PROVIDED``: webchat) have no settings and always use their own connector: the
sandbox would fake the delivered and read statuses that their users report for real.
"""

from __future__ import annotations

from collections.abc import Callable

from hubbub.connectors.base import ChannelInfo, Connector, ConnectorContext
from hubbub.connectors.email import EmailConnector
from hubbub.connectors.sandbox import SandboxConnector
from hubbub.connectors.twilio import TwilioConnector
from hubbub.connectors.webchat import WebchatConnector
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
    "webchat": WebchatConnector,
}
# Platforms whose connector needs no provider settings (Hubbub is the provider).
SELF_PROVIDED = frozenset({"webchat"})


def is_sandboxed(channel: ChannelInfo) -> bool:
    if channel.platform in SELF_PROVIDED:
        return False
    return channel.platform == "sandbox" or not channel.config


def connector_for(channel: ChannelInfo, context: ConnectorContext) -> Connector:
    if is_sandboxed(channel):
        return SandboxConnector(context)
    factory = CONNECTORS.get(channel.platform)
    if factory is None:
        raise NoConnector(f"no connector for platform {channel.platform!r}")
    return factory(context)
