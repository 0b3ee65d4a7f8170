"""The ``webhook`` platform: Hubbub and any HTTP service talk signed JSON to each other.

Channel config: ``{"url": "https://service.example/hubbub", "secret": "shared-secret"}``
(``url`` receives outbound messages; ``secret`` signs both directions).

**Signing** (both directions): ``X-Hubbub-Timestamp`` is Unix seconds and
``X-Hubbub-Signature`` is ``v1=`` + hex HMAC-SHA256 of ``f"{timestamp}.{raw body}"`` keyed with
the secret. Inbound requests older or newer than 5 minutes, or unsigned, are refused.

**Outbound**: ``POST url`` with ``{"type": "message", "message": {"id", "workspace_id",
"conversation_id", "channel_id", "recipients": [{"key", "value", "type"}], "type", "payload",
"text", "subject", "tags", "reference", "thread_provider_ids"}}`` and ``Idempotency-Key: <id>``.
2xx is sent (the provider id is the answer's ``id`` when it gives one, else Hubbub's message
id); other 4xx fail the message; 5xx, 429 and timeouts are retried.

**Inbound** (``POST /inbound/{channel_id}``)::

    {"messages": [{"id": "ext-1", "from": {"key": "userid", "value": "u-42"} | "u-42",
                   "text": "hi" | "payload": {"type": "image", "url": "..."},
                   "subject": null, "in_reply_to": ["<provider id>"], "timestamp": "ISO|unix",
                   "tags": {"k": "v"}}],
     "statuses": [{"message_id": "<provider id>", "status": "delivered",
                   "timestamp": "ISO|unix", "error": {"code": "...", "reason": "..."}}]}
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Final, get_args

import orjson

from hubbub.connectors.base import (
    Address,
    ChannelInfo,
    ConnectorContext,
    InboundBatch,
    InboundMessage,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
    ReportedStatus,
    SendFailure,
    SendResult,
    StatusUpdate,
)
from hubbub.connectors.platform import SECRET, TEXT, ChannelSettings, PlatformDescriptor
from hubbub.connectors.provider_http import (
    config_value,
    from_iso,
    from_unix,
    json_object,
    request_or_fail,
    response_json,
)
from hubbub.errors import InvalidInput, UnprocessableEntity
from hubbub.kit import netguard

TIMESTAMP_HEADER = "X-Hubbub-Timestamp"
SIGNATURE_HEADER = "X-Hubbub-Signature"
SIGNATURE_VERSION = "v1"
MAX_SKEW_SECONDS = 300
DEFAULT_SENDER_KEY = "userid"
STATUSES: frozenset[str] = frozenset(get_args(ReportedStatus))


def signature(secret: str, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The headers that sign ``body``; what a service posting to Hubbub must send too."""
    timestamp = str(int(now if now is not None else time.time()))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        "Content-Type": "application/json",
    }


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> None:
    """Raise ``InvalidSignature`` unless ``headers`` sign ``body`` with ``secret``, recently."""
    timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
    given = headers.get(SIGNATURE_HEADER.lower(), "")
    if not timestamp or not given:
        raise InvalidSignature("missing signature headers")
    if not timestamp.isdigit():
        raise InvalidSignature("malformed timestamp")
    current = now if now is not None else time.time()
    if abs(current - int(timestamp)) > MAX_SKEW_SECONDS:
        raise InvalidSignature("stale timestamp")
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise InvalidSignature("bad signature")


def message_body(message: OutboundMessage) -> dict[str, Any]:
    return {
        "type": "message",
        "message": {
            "id": message.id,
            "workspace_id": message.workspace_id,
            "conversation_id": message.conversation_id,
            "channel_id": message.channel.id,
            "recipients": [
                {"key": r.key, "value": r.value, "type": r.type} for r in message.recipients
            ],
            "type": message.type,
            "payload": dict(message.payload),
            "text": message.text,
            "subject": message.subject,
            "tags": dict(message.tags),
            "reference": message.reference,
            "thread_provider_ids": list(message.thread_provider_ids),
        },
    }


class WebhookConnector:
    platform = "webhook"

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context

    async def send(self, message: OutboundMessage) -> SendResult:
        config = message.channel.config
        url = config_value(config, "url", platform=self.platform)
        secret = config_value(config, "secret", platform=self.platform)
        await _check_destination(url, enabled=self.context.settings.outbound_deny_private_networks)
        body = orjson.dumps(message_body(message))
        headers = {**signed_headers(secret, body), "Idempotency-Key": message.id}
        response = await request_or_fail(
            self.context.http, "POST", url, content=body, headers=headers
        )
        provider_id = response_json(response).get("id")
        return SendResult(str(provider_id) if provider_id else message.id)

    async def parse_inbound(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        secret = channel.config.get("secret")
        if not isinstance(secret, str) or not secret:
            raise InvalidSignature("the channel has no secret to verify with")
        verify(secret, request.headers, request.body)
        document = json_object(request.body, what="webhook body")
        return InboundBatch(
            messages=tuple(parse_message(item) for item in _items(document, "messages")),
            statuses=tuple(parse_status(item) for item in _items(document, "statuses")),
        )


def _items(document: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    items = document.get(name) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidInput(f"'{name}' must be a list of objects", field=name)
    return items


def parse_message(item: Mapping[str, Any]) -> InboundMessage:
    return InboundMessage(
        sender=_sender(item.get("from")),
        payload=_payload(item),
        provider_message_id=_optional_str(item, "id"),
        subject=_optional_str(item, "subject"),
        received_at=_time(item.get("timestamp")),
        in_reply_to=_reply_ids(item.get("in_reply_to")),
        tags=_tags(item.get("tags")),
    )


def parse_status(item: Mapping[str, Any]) -> StatusUpdate:
    provider_id = _optional_str(item, "message_id")
    status = item.get("status")
    if not provider_id:
        raise InvalidInput("a status needs 'message_id'", field="statuses.message_id")
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {sorted(STATUSES)}", field="statuses.status")
    raw_error = item.get("error")
    error: Mapping[str, Any] = raw_error if isinstance(raw_error, dict) else {}
    return StatusUpdate(
        provider_message_id=provider_id,
        status=status,
        at=_time(item.get("timestamp")),
        failure_code=_optional_str(error, "code"),
        failure_reason=_optional_str(error, "reason"),
    )


def _sender(value: Any) -> Address:
    if isinstance(value, str) and value:
        return Address(DEFAULT_SENDER_KEY, value)
    if isinstance(value, dict) and isinstance(value.get("value"), str) and value["value"]:
        key = value.get("key")
        return Address(key if isinstance(key, str) and key else DEFAULT_SENDER_KEY, value["value"])
    raise InvalidInput("a message needs 'from' (a string or {key, value})", field="messages.from")


def _payload(item: Mapping[str, Any]) -> dict[str, Any]:
    payload = item.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("type"), str):
        return payload
    text = item.get("text")
    if isinstance(text, str) and text:
        return {"type": "text", "text": text}
    raise InvalidInput(
        "a message needs 'text' or a 'payload' object with a 'type'", field="messages.payload"
    )


def _optional_str(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return str(value) if isinstance(value, str | int) and value != "" else None


def _time(value: Any) -> datetime | None:
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return from_unix(value)
    return from_iso(value)


def _reply_ids(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) and value:
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str) and item)
    return ()


def _tags(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(key): str(item) for key, item in value.items() if item is not None}


async def _check_destination(url: str, *, enabled: bool) -> None:
    """The SSRF guard again at send time: the name may resolve elsewhere than at creation."""
    try:
        await netguard.check_url_if_enabled(url, enabled=enabled)
    except netguard.BlockedDestination as error:
        raise SendFailure("destination_blocked", str(error), retryable=False) from None


async def check_channel_destination(platform: str, config: Mapping[str, Any]) -> None:
    """For channel creation and updates: a webhook channel's ``url`` must pass the SSRF guard
    when it is on (``UnprocessableEntity`` on ``config.url``)."""
    url = config.get("url")
    if platform != "webhook" or not isinstance(url, str) or not url:
        return
    try:
        await netguard.check_url_if_enabled(url)
    except netguard.BlockedDestination as error:
        raise UnprocessableEntity(str(error), field="config.url") from None


class WebhookSettings(ChannelSettings):
    url: Annotated[str, TEXT]
    """Receives outbound messages (checked by the SSRF guard when it is on)."""
    secret: Annotated[str, SECRET]
    """Signs requests in both directions (``X-Hubbub-Signature``)."""


# A webhook peer's conversation is a room, and one POST carries every recipient with its type.
PLATFORM: Final = PlatformDescriptor(
    name="webhook",
    title="Webhook",
    identifier_key=DEFAULT_SENDER_KEY,
    connector=WebhookConnector,
    settings=WebhookSettings,
    several_recipients=True,
    group_conversations=True,
)
