"""The sandbox connector: a provider that accepts everything and reaches no one.

``send`` answers at once with a provider id of its own; the delivery runner then walks the
message ``sent → delivered → read``, one step every ``HUBBUB_SANDBOX_STEP_SECONDS`` (through
``sandbox.advance`` jobs, so the walk survives restarts and shows in the event log like a real
provider's callbacks). Inbound messages are injected on demand (the native API's
``/v1/channels/{id}/sandbox/inbound`` and ``hubbub sandbox inbound``), never over the public
inbound URL, which the sandbox refuses: nothing outside may speak for a sandbox channel.
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
    ReportedStatus,
    SendResult,
)
from hubbub.connectors.platform import PlatformDescriptor

PROVIDER_ID_PREFIX: Final = "sandbox-"
# What the sandbox reports after each status: the walk ``sent → delivered → read``.
_NEXT: Final[dict[str, ReportedStatus]] = {"sent": "delivered", "delivered": "read"}


def next_step(current: str) -> ReportedStatus | None:
    """The status the sandbox reports after ``current``; None when the walk is over."""
    return _NEXT.get(current)


class SandboxConnector:
    platform = "sandbox"

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context

    @property
    def step_seconds(self) -> float:
        return self.context.settings.sandbox_step_seconds

    async def send(self, message: OutboundMessage) -> SendResult:
        # The id derives from ours: sending again after a crash gives the same answer.
        return SendResult(provider_message_id=PROVIDER_ID_PREFIX + message.id, status="sent")

    async def parse_inbound(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        raise InvalidSignature("a sandbox channel takes no inbound requests from outside")


# The sandbox stands in for any provider, rooms included: several recipients on one send are
# accepted like everything else.
PLATFORM: Final = PlatformDescriptor(
    name="sandbox",
    title="Sandbox",
    identifier_key="userid",
    connector=SandboxConnector,
    several_recipients=True,
    group_conversations=True,
    provider_idempotency=True,
)
