"""The webchat connector: Hubbub is the provider.

End users of a website talk to Hubbub directly (``/webchat/{channel_id}``, see
``hubbub.api.webchat``): an outgoing message is already where the user will read it, in the
store, and the user's realtime stream carries it to the page. ``send`` therefore only confirms
``sent`` with our own message id as the provider id; ``delivered`` is recorded when a stream
writes the message to the user, and ``read`` when the user acknowledges it. Nothing reaches a
webchat channel through the provider inbound URL: users post through the end-user API.
"""

from __future__ import annotations

from typing import Final

from hubbub.connectors.base import (
    ChannelInfo,
    ConnectorContext,
    InboundBatch,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
    SendResult,
)
from hubbub.connectors.platform import PlatformDescriptor


class WebchatConnector:
    platform = "webchat"

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context

    async def send(self, message: OutboundMessage) -> SendResult:
        return SendResult(provider_message_id=message.id, status="sent")

    async def parse_inbound(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        raise InvalidSignature(
            "webchat users post through /webchat/{channel_id}/messages with their user key"
        )


# A web chat conversation is a room: every participant's page shows every message, so a send
# may name several of them. Sending again after a crash answers the same provider id, so
# retries are harmless.
PLATFORM: Final = PlatformDescriptor(
    name="webchat",
    title="Web chat",
    identifier_key="userid",
    connector=WebchatConnector,
    several_recipients=True,
    group_conversations=True,
    self_provided=True,
    provider_idempotency=True,
)
