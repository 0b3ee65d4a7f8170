"""The one protocol every channel connector implements, and the neutral data it sees.

Connectors know nothing of the database, the web framework or the services: the delivery runner
hands them an ``OutboundMessage`` and records what they answer; inbound HTTP endpoints hand them
an ``InboundRequest`` and give what they parse to the core's inbound service. That keeps every
provider's quirks in one module and lets a connector be tested against its simulator alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import httpx

from hubbub.config import Settings

RecipientType = Literal["to", "cc", "bcc"]
ReportedStatus = Literal["sending", "sent", "delivered", "read", "failed"]


@dataclass(frozen=True)
class ChannelInfo:
    id: str
    workspace_id: str
    platform: str
    # The sender identity on the provider (a phone number, an address, a phone-number id).
    identifier: str | None
    # Provider settings (base URL, credentials, signing secret...); empty means sandbox.
    config: Mapping[str, Any]


@dataclass(frozen=True)
class Address:
    key: str  # emailaddress, phonenumber, userId, ...
    value: str
    type: RecipientType = "to"


@dataclass(frozen=True)
class OutboundMessage:
    id: str
    workspace_id: str
    conversation_id: str
    channel: ChannelInfo
    recipients: tuple[Address, ...]
    type: str
    payload: Mapping[str, Any]  # the core payload union, as JSON
    text: str  # plain text derived from the payload
    subject: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    reference: str | None = None
    # Provider ids of earlier messages of the conversation, oldest first, so a connector can
    # thread a reply (email In-Reply-To / References).
    thread_provider_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str | None
    # What the provider confirmed synchronously; later stages arrive as status updates.
    status: ReportedStatus = "sent"


class SendFailure(Exception):
    """The provider refused or could not be reached. ``retryable`` failures are tried again
    with backoff; the others fail the message at once (stage ``sending``)."""

    def __init__(self, code: str, reason: str, *, retryable: bool) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.retryable = retryable


class InvalidSignature(Exception):
    """An inbound request whose signature is missing, wrong or stale."""


@dataclass(frozen=True)
class InboundRequest:
    """An HTTP request to a channel's inbound URL, without the web framework's types."""

    method: str
    url: str  # the full URL the provider called (signatures often cover it)
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundMedia:
    """The file of an inbound media message, copied into Hubbub's media store before the
    message is stored (provider URLs expire or need the provider's credentials); its copy's
    URL replaces ``payload["url"]``. ``data`` when the request carried the bytes (email), else a
    ``reference`` (a WhatsApp media id, a Twilio media URL) the connector's ``open_media``
    downloads."""

    content_type: str | None = None
    filename: str | None = None
    data: bytes | None = None
    reference: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    sender: Address
    payload: Mapping[str, Any]  # the core payload union, as JSON
    provider_message_id: str | None = None
    recipients: tuple[Address, ...] = ()
    subject: str | None = None
    received_at: datetime | None = None
    # Provider ids this message answers (email In-Reply-To then References), nearest first.
    in_reply_to: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    media: InboundMedia | None = None


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    status: ReportedStatus
    at: datetime | None = None
    failure_code: str | None = None
    failure_reason: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundBatch:
    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    # Some providers expect a particular answer body (e.g. TwiML); None means an empty 200.
    response_body: bytes | None = None
    response_content_type: str = "application/json"


@dataclass(frozen=True)
class ConnectorContext:
    """What a connector may use: shared HTTP client, settings, and Hubbub's public base URL
    (for the status callback URLs it gives providers)."""

    http: httpx.AsyncClient
    settings: Settings
    public_base_url: str


class Connector(Protocol):
    platform: str

    async def send(self, message: OutboundMessage) -> SendResult:
        """Hand the message to the provider; raise ``SendFailure`` when it cannot be."""
        ...

    async def parse_inbound(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        """Verify the request's signature (raise ``InvalidSignature``) and parse it."""
        ...
