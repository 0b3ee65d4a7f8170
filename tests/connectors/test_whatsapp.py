"""The WhatsApp Cloud API connector against the Cloud API simulator over real loopback HTTP."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from hubbub.connectors import whatsapp as whatsapp_platform
from hubbub.connectors.base import (
    Address,
    ConnectorContext,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
    SendFailure,
)
from hubbub.connectors.whatsapp import WhatsAppConnector
from hubbub.kit.ids import new_id
from hubbub.simulators.whatsapp_cloud import WhatsAppCloudSimulator, hub_signature
from tests.connectors.conftest import (
    WA_PHONE_ID,
    WA_SECRET,
    WA_TOKEN,
    Receiver,
    captured_request,
    channel_info,
)

USER = "+4915112345678"
WhatsApp = tuple[WhatsAppCloudSimulator, str]


def config(base_url: str, **overrides: str) -> dict[str, Any]:
    return {
        "base_url": base_url,
        "phone_number_id": WA_PHONE_ID,
        "access_token": WA_TOKEN,
        "app_secret": WA_SECRET,
        **overrides,
    }


def outbound(
    base_url: str, payload: dict[str, Any], text: str = "", **overrides: str
) -> OutboundMessage:
    channel = channel_info("whatsapp", config(base_url, **overrides), identifier=WA_PHONE_ID)
    return OutboundMessage(
        id=new_id(),
        workspace_id=channel.workspace_id,
        conversation_id=new_id(),
        channel=channel,
        recipients=(Address("phonenumber", USER),),
        type=str(payload["type"]),
        payload=payload,
        text=text or str(payload.get("text", "")),
    )


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"type": "text", "text": "hello"},
            {"type": "text", "text": {"preview_url": False, "body": "hello"}},
        ),
        (
            {"type": "image", "url": "https://c.test/a.png", "caption": "cap"},
            {"type": "image", "image": {"link": "https://c.test/a.png", "caption": "cap"}},
        ),
        (
            {"type": "file", "url": "https://c.test/a.pdf", "filename": "a.pdf"},
            {"type": "document", "document": {"link": "https://c.test/a.pdf", "filename": "a.pdf"}},
        ),
        (
            {"type": "location", "latitude": 52.5, "longitude": 13.4, "title": "Berlin"},
            {
                "type": "location",
                "location": {"latitude": 52.5, "longitude": 13.4, "name": "Berlin"},
            },
        ),
        (
            {"type": "template", "name": "order_update", "language": "de", "variables": ["42"]},
            {
                "type": "template",
                "template": {
                    "name": "order_update",
                    "language": {"code": "de"},
                    "components": [
                        {"type": "body", "parameters": [{"type": "text", "text": "42"}]}
                    ],
                },
            },
        ),
    ],
)
async def test_send_payloads(
    context: ConnectorContext, whatsapp: WhatsApp, payload: dict[str, Any], expected: dict[str, Any]
) -> None:
    simulator, url = whatsapp
    message = outbound(url, payload)
    result = await WhatsAppConnector(context).send(message)

    [sent] = simulator.messages
    assert result.provider_message_id == sent.id
    assert sent.id.startswith("wamid.")
    assert sent.phone_number_id == WA_PHONE_ID
    assert sent.to == USER.removeprefix("+")
    assert simulator.received(message.id) == 1
    assert {k: v for k, v in sent.body.items() if k in ("type", expected["type"])} == expected


async def test_rich_payloads_fall_back_to_text(
    context: ConnectorContext, whatsapp: WhatsApp
) -> None:
    simulator, url = whatsapp
    payload = {"type": "choice", "text": "Pick", "options": [{"label": "A", "value": "a"}]}
    await WhatsAppConnector(context).send(outbound(url, payload, text="Pick\nA"))
    assert simulator.messages[0].body["text"]["body"] == "Pick\nA"


async def test_bad_token_fails_for_good(context: ConnectorContext, whatsapp: WhatsApp) -> None:
    simulator, url = whatsapp
    with pytest.raises(SendFailure) as failure:
        await WhatsAppConnector(context).send(
            outbound(url, {"type": "text", "text": "x"}, access_token="wrong")
        )
    assert (failure.value.code, failure.value.retryable) == ("http_401", False)
    assert "190" in failure.value.reason
    assert simulator.messages == []


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (429, True), (400, False)])
async def test_injected_failures(
    context: ConnectorContext, whatsapp: WhatsApp, status: int, retryable: bool
) -> None:
    simulator, url = whatsapp
    simulator.fail_next(1, status)
    with pytest.raises(SendFailure) as failure:
        await WhatsAppConnector(context).send(outbound(url, {"type": "text", "text": "x"}))
    assert failure.value.retryable is retryable
    assert simulator.messages == []


async def test_status_webhooks_verify_and_parse(
    context: ConnectorContext, whatsapp: WhatsApp, receiver: Receiver
) -> None:
    simulator, url = whatsapp
    message = outbound(url, {"type": "text", "text": "hi"})
    simulator.subscribe(WA_PHONE_ID, f"{receiver.url}/inbound/{message.channel.id}")
    connector = WhatsAppConnector(context)
    result = await connector.send(message)
    await simulator.drain()

    reported = []
    for captured in receiver.requests:
        batch = await connector.parse_inbound(message.channel, captured_request(receiver, captured))
        reported += batch.statuses
    assert [(s.provider_message_id, s.status) for s in reported] == [
        (result.provider_message_id, "sent"),
        (result.provider_message_id, "delivered"),
        (result.provider_message_id, "read"),
    ]
    assert reported[0].details["biz_opaque_callback_data"] == message.id
    assert reported[0].at is not None


async def test_window_failure_is_reported(
    context: ConnectorContext, whatsapp: WhatsApp, receiver: Receiver
) -> None:
    simulator, url = whatsapp
    simulator.enforce_window = True
    message = outbound(url, {"type": "text", "text": "out of the blue"})
    simulator.subscribe(WA_PHONE_ID, f"{receiver.url}/inbound/{message.channel.id}")
    connector = WhatsAppConnector(context)
    assert whatsapp_platform.PLATFORM.service_window is not None
    await connector.send(message)
    await simulator.drain()

    [captured] = receiver.requests
    [status] = (
        await connector.parse_inbound(message.channel, captured_request(receiver, captured))
    ).statuses
    assert (status.status, status.failure_code) == ("failed", "whatsapp_131047")


async def test_inbound_messages(
    context: ConnectorContext, whatsapp: WhatsApp, receiver: Receiver
) -> None:
    simulator, url = whatsapp
    channel = channel_info("whatsapp", config(url))
    simulator.subscribe(WA_PHONE_ID, f"{receiver.url}/inbound/{channel.id}")
    await simulator.send_inbound(
        WA_PHONE_ID, from_=USER, text="hello", reply_to="wamid.prev", name="Ann"
    )
    await simulator.send_inbound(
        WA_PHONE_ID,
        from_=USER,
        message={
            "type": "image",
            "image": {"id": "MEDIA1", "mime_type": "image/jpeg", "caption": "c"},
        },
    )
    await simulator.send_inbound(
        WA_PHONE_ID,
        from_=USER,
        message={
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "b1", "title": "Yes"}},
        },
    )
    await simulator.send_inbound(
        WA_PHONE_ID,
        from_=USER,
        message={"type": "reaction", "reaction": {"message_id": "w", "emoji": "x"}},
    )
    connector = WhatsAppConnector(context)
    batches = [
        await connector.parse_inbound(channel, captured_request(receiver, c))
        for c in receiver.requests
    ]
    text, image, button, reaction = (batch.messages[0] for batch in batches)

    assert text.sender == Address("phonenumber", USER)
    assert text.payload == {"type": "text", "text": "hello"}
    assert text.in_reply_to == ("wamid.prev",)
    assert text.tags == {"whatsapp_profile_name": "Ann"}
    assert text.provider_message_id
    assert text.provider_message_id.startswith("wamid.")
    assert image.payload == {"type": "image", "url": f"{url}/v21.0/MEDIA1", "caption": "c"}
    assert button.payload == {"type": "text", "text": "Yes"}
    assert reaction.payload["type"] == "custom"
    assert reaction.payload["name"] == "whatsapp_reaction"


@pytest.mark.parametrize("problem", ["secret", "missing", "tampered", "no_secret"])
async def test_bad_signatures_are_refused(context: ConnectorContext, problem: str) -> None:
    channel = channel_info("whatsapp", config("http://x"))
    body = orjson.dumps({"object": "whatsapp_business_account", "entry": []})
    good = {"x-hub-signature-256": hub_signature(WA_SECRET, body)}
    request, used = {
        "secret": (
            InboundRequest(
                "POST", "http://h", {"x-hub-signature-256": hub_signature("o", body)}, body
            ),
            channel,
        ),
        "missing": (InboundRequest("POST", "http://h", {}, body), channel),
        "tampered": (InboundRequest("POST", "http://h", good, body + b" "), channel),
        "no_secret": (InboundRequest("POST", "http://h", good, body), channel_info("whatsapp", {})),
    }[problem]
    with pytest.raises(InvalidSignature):
        await WhatsAppConnector(context).parse_inbound(used, request)


async def test_verification_challenge(context: ConnectorContext) -> None:
    channel = channel_info("whatsapp", config("http://x", verify_token="vt"))
    query = {"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "12345"}
    batch = await WhatsAppConnector(context).parse_inbound(
        channel, InboundRequest("GET", "http://h", {}, b"", query)
    )
    assert batch.response_body == b"12345"
    with pytest.raises(InvalidSignature):
        await WhatsAppConnector(context).parse_inbound(
            channel, InboundRequest("GET", "http://h", {}, b"", {**query, "hub.verify_token": "no"})
        )
