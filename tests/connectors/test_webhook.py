"""The webhook connector against a real aiohttp receiver on loopback."""

from __future__ import annotations

import time

import orjson
import pytest

from hubbub.connectors import provider_http
from hubbub.connectors.base import (
    Address,
    ConnectorContext,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
    SendFailure,
)
from hubbub.connectors.webhook import WebhookConnector, signed_headers, verify
from hubbub.errors import InvalidInput
from hubbub.kit.ids import new_id
from tests.connectors.conftest import Receiver, channel_info

SECRET = "webhook-secret"


def outbound(url: str, *, secret: str = SECRET) -> OutboundMessage:
    channel = channel_info("webhook", {"url": f"{url}/hook", "secret": secret})
    return OutboundMessage(
        id=new_id(),
        workspace_id=channel.workspace_id,
        conversation_id=new_id(),
        channel=channel,
        recipients=(Address("userid", "u-1"),),
        type="text",
        payload={"type": "text", "text": "hello"},
        text="hello",
        tags={"k": "v"},
        thread_provider_ids=("p-0",),
    )


def inbound(
    body: dict[str, object], *, secret: str = SECRET, now: float | None = None
) -> InboundRequest:
    raw = orjson.dumps(body)
    headers = {k.lower(): v for k, v in signed_headers(secret, raw, now=now).items()}
    return InboundRequest("POST", "http://hubbub.test/inbound/x", headers, raw)


async def test_send_posts_signed_json(context: ConnectorContext, receiver: Receiver) -> None:
    message = outbound(receiver.url)
    result = await WebhookConnector(context).send(message)

    assert result.provider_message_id == message.id
    assert result.status == "sent"
    [request] = receiver.requests
    assert request.path == "/hook"
    assert request.headers["idempotency-key"] == message.id
    verify(SECRET, request.headers, request.body)  # raises if the signature is wrong
    sent = orjson.loads(request.body)["message"]
    assert sent["id"] == message.id
    assert sent["payload"] == {"type": "text", "text": "hello"}
    assert sent["recipients"] == [{"key": "userid", "value": "u-1", "type": "to"}]
    assert sent["thread_provider_ids"] == ["p-0"]


async def test_send_takes_the_receivers_id(context: ConnectorContext, receiver: Receiver) -> None:
    receiver.answers.append((202, '{"id": "ext-9"}'))
    result = await WebhookConnector(context).send(outbound(receiver.url))
    assert result.provider_message_id == "ext-9"


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (404, False), (429, True), (500, True), (503, True)]
)
async def test_send_failures_are_classified(
    context: ConnectorContext, receiver: Receiver, status: int, retryable: bool
) -> None:
    receiver.answers.append((status, '{"error": "no"}'))
    with pytest.raises(SendFailure) as failure:
        await WebhookConnector(context).send(outbound(receiver.url))
    assert failure.value.retryable is retryable
    assert str(status) in failure.value.reason


async def test_send_to_a_closed_port_is_retryable(context: ConnectorContext) -> None:
    with pytest.raises(SendFailure) as failure:
        await WebhookConnector(context).send(outbound("http://127.0.0.1:9"))
    assert failure.value.retryable
    assert failure.value.code == "unreachable"


async def test_send_timeout_is_retryable(
    context: ConnectorContext, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.delay_seconds = 1.0
    monkeypatch.setattr(provider_http, "DEFAULT_TIMEOUT_SECONDS", 0.2)
    with pytest.raises(SendFailure) as failure:
        await WebhookConnector(context).send(outbound(receiver.url))
    assert failure.value.code == "timeout"
    assert failure.value.retryable


async def test_send_without_config_fails_for_good(context: ConnectorContext) -> None:
    message = outbound("http://127.0.0.1:9")
    broken = OutboundMessage(**{**message.__dict__, "channel": channel_info("webhook", {})})
    with pytest.raises(SendFailure) as failure:
        await WebhookConnector(context).send(broken)
    assert failure.value.code == "channel_misconfigured"
    assert not failure.value.retryable


async def test_inbound_parses_messages_and_statuses(context: ConnectorContext) -> None:
    channel = channel_info("webhook", {"url": "http://x", "secret": SECRET})
    body = {
        "messages": [
            {"id": "ext-1", "from": "u-1", "text": "hi", "in_reply_to": "p-0", "tags": {"a": 1}},
            {
                "from": {"key": "emailaddress", "value": "a@b.test"},
                "payload": {"type": "image", "url": "https://x/i.png"},
                "timestamp": "2026-01-02T03:04:05Z",
            },
        ],
        "statuses": [
            {"message_id": "p-0", "status": "delivered", "timestamp": 1767323045},
            {"message_id": "p-1", "status": "failed", "error": {"code": "x", "reason": "bounced"}},
        ],
    }
    batch = await WebhookConnector(context).parse_inbound(channel, inbound(body))

    first, second = batch.messages
    assert (first.sender.key, first.sender.value) == ("userid", "u-1")
    assert first.payload == {"type": "text", "text": "hi"}
    assert first.provider_message_id == "ext-1"
    assert first.in_reply_to == ("p-0",)
    assert first.tags == {"a": "1"}
    assert second.sender.value == "a@b.test"
    assert second.payload["type"] == "image"
    assert second.received_at is not None
    assert second.received_at.year == 2026
    delivered, failed = batch.statuses
    assert (delivered.provider_message_id, delivered.status) == ("p-0", "delivered")
    assert delivered.at is not None
    assert delivered.at.year == 2026
    assert (failed.status, failed.failure_code, failed.failure_reason) == ("failed", "x", "bounced")
    assert batch.response_body is None


@pytest.mark.parametrize("problem", ["bad_secret", "stale", "future", "unsigned", "tampered"])
async def test_inbound_refuses_bad_signatures(context: ConnectorContext, problem: str) -> None:
    channel = channel_info("webhook", {"secret": SECRET})
    body = {"messages": [{"from": "u", "text": "hi"}]}
    request = {
        "bad_secret": lambda: inbound(body, secret="other"),
        "stale": lambda: inbound(body, now=time.time() - 301),
        "future": lambda: inbound(body, now=time.time() + 301),
        "unsigned": lambda: InboundRequest("POST", "http://x", {}, orjson.dumps(body)),
        "tampered": lambda: InboundRequest(
            "POST", "http://x", inbound(body).headers, orjson.dumps({"messages": []})
        ),
    }[problem]()
    with pytest.raises(InvalidSignature):
        await WebhookConnector(context).parse_inbound(channel, request)


async def test_inbound_on_a_channel_without_secret_is_refused(context: ConnectorContext) -> None:
    with pytest.raises(InvalidSignature):
        await WebhookConnector(context).parse_inbound(
            channel_info("webhook", {}), inbound({"messages": []})
        )


@pytest.mark.parametrize(
    "body",
    [
        {"messages": "nope"},
        {"messages": [{"text": "no sender"}]},
        {"messages": [{"from": "u"}]},
        {"statuses": [{"message_id": "p", "status": "exploded"}]},
        {"statuses": [{"status": "read"}]},
    ],
)
async def test_inbound_malformed_bodies_are_invalid_input(
    context: ConnectorContext, body: dict[str, object]
) -> None:
    channel = channel_info("webhook", {"secret": SECRET})
    with pytest.raises(InvalidInput):
        await WebhookConnector(context).parse_inbound(channel, inbound(body))


async def test_inbound_non_json_is_invalid_input(context: ConnectorContext) -> None:
    channel = channel_info("webhook", {"secret": SECRET})
    raw = b"not json"
    headers = {k.lower(): v for k, v in signed_headers(SECRET, raw).items()}
    with pytest.raises(InvalidInput):
        await WebhookConnector(context).parse_inbound(
            channel, InboundRequest("POST", "http://x", headers, raw)
        )
