"""The Twilio (sms) connector against the Twilio simulator over real loopback HTTP."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from hubbub.connectors.base import (
    Address,
    ConnectorContext,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
    SendFailure,
)
from hubbub.connectors.twilio import EMPTY_TWIML, TwilioConnector
from hubbub.kit.ids import new_id
from hubbub.simulators.twilio import TwilioSimulator
from tests.connectors.conftest import (
    TWILIO_SID,
    TWILIO_TOKEN,
    Receiver,
    captured_request,
    channel_info,
)

SENDER = "+15550001111"
RECIPIENT = "+15552223333"


def outbound(
    base_url: str,
    *,
    payload: dict[str, object] | None = None,
    to: str = RECIPIENT,
    token: str = TWILIO_TOKEN,
    **config: str,
) -> OutboundMessage:
    channel = channel_info(
        "sms",
        {"base_url": base_url, "account_sid": TWILIO_SID, "auth_token": token, **config},
        identifier=SENDER,
    )
    payload = payload or {"type": "text", "text": "hello " + new_id()}
    return OutboundMessage(
        id=new_id(),
        workspace_id=channel.workspace_id,
        conversation_id=new_id(),
        channel=channel,
        recipients=(Address("phonenumber", to),),
        type=str(payload["type"]),
        payload=payload,
        text=str(payload.get("text") or payload.get("caption") or ""),
    )


Twilio = tuple[TwilioSimulator, str]


async def test_send_text(context: ConnectorContext, twilio: Twilio) -> None:
    simulator, url = twilio
    message = outbound(url)
    result = await TwilioConnector(context).send(message)

    [sent] = simulator.messages
    assert result.provider_message_id == sent.sid
    assert sent.sid.startswith("SM")
    assert (sent.to, sent.from_, sent.body) == (RECIPIENT, SENDER, message.text)
    assert sent.status_callback == f"http://hubbub.test/inbound/{message.channel.id}"
    assert simulator.received(message.text) == 1


async def test_send_media_with_caption(context: ConnectorContext, twilio: Twilio) -> None:
    simulator, url = twilio
    payload = {"type": "image", "url": "https://cdn.test/cat.png", "caption": "a cat"}
    await TwilioConnector(context).send(outbound(url, payload=payload))
    [sent] = simulator.messages
    assert sent.media_urls == ["https://cdn.test/cat.png"]
    assert sent.body == "a cat"


async def test_send_through_a_messaging_service(context: ConnectorContext, twilio: Twilio) -> None:
    simulator, url = twilio
    await TwilioConnector(context).send(outbound(url, messaging_service_sid="MG123"))
    [sent] = simulator.messages
    assert (sent.messaging_service_sid, sent.from_) == ("MG123", None)


async def test_wrong_credentials_fail_for_good(context: ConnectorContext, twilio: Twilio) -> None:
    simulator, url = twilio
    with pytest.raises(SendFailure) as failure:
        await TwilioConnector(context).send(outbound(url, token="wrong"))
    assert (failure.value.code, failure.value.retryable) == ("http_401", False)
    assert "20003" in failure.value.reason
    assert simulator.messages == []


async def test_invalid_number_fails_for_good(context: ConnectorContext, twilio: Twilio) -> None:
    _, url = twilio
    with pytest.raises(SendFailure) as failure:
        await TwilioConnector(context).send(outbound(url, to="555-not-e164"))
    assert not failure.value.retryable
    assert "21211" in failure.value.reason


@pytest.mark.parametrize(("status", "code"), [(500, "http_500"), (429, "rate_limited")])
async def test_injected_failures_are_retryable(
    context: ConnectorContext, twilio: Twilio, status: int, code: str
) -> None:
    simulator, url = twilio
    simulator.fail_next(1, status)
    message = outbound(url)
    connector = TwilioConnector(context)
    with pytest.raises(SendFailure) as failure:
        await connector.send(message)
    assert (failure.value.code, failure.value.retryable) == (code, True)
    assert simulator.received(message.text) == 0
    await connector.send(message)  # the retry goes through
    assert simulator.received(message.text) == 1


async def test_status_callbacks_verify_and_parse(
    context: ConnectorContext, twilio: Twilio, receiver: Receiver
) -> None:
    simulator, url = twilio
    connector = TwilioConnector(context.__class__(context.http, context.settings, receiver.url))
    message = outbound(url)
    result = await connector.send(message)
    await simulator.drain()

    assert [a.response_status for a in simulator.callbacks.attempts] == [200, 200]
    statuses = []
    for captured in receiver.requests:
        batch = await connector.parse_inbound(message.channel, captured_request(receiver, captured))
        assert batch.messages == ()
        assert batch.response_body is None
        statuses += [(s.provider_message_id, s.status) for s in batch.statuses]
    assert statuses == [
        (result.provider_message_id, "sent"),
        (result.provider_message_id, "delivered"),
    ]


async def test_inbound_sms_and_mms(
    context: ConnectorContext, twilio: Twilio, receiver: Receiver
) -> None:
    simulator, _ = twilio
    channel = channel_info("sms", {"auth_token": TWILIO_TOKEN}, identifier=SENDER)
    inbound_url = f"{receiver.url}/inbound/{channel.id}"
    await simulator.send_inbound(inbound_url, from_=RECIPIENT, to=SENDER, body="hi there")
    await simulator.send_inbound(
        inbound_url,
        from_=RECIPIENT,
        to=SENDER,
        body="look",
        media=(("https://m.test/1.jpg", "image/jpeg"), ("https://m.test/2.pdf", "application/pdf")),
    )
    connector = TwilioConnector(context)
    sms, mms = [
        await connector.parse_inbound(channel, captured_request(receiver, c))
        for c in receiver.requests
    ]

    [text] = sms.messages
    assert text.sender == Address("phonenumber", RECIPIENT)
    assert text.recipients == (Address("phonenumber", SENDER),)
    assert text.payload == {"type": "text", "text": "hi there"}
    assert text.provider_message_id
    assert text.provider_message_id.startswith("SM")
    assert (sms.response_body, sms.response_content_type) == (EMPTY_TWIML, "text/xml")
    image, document = mms.messages
    assert image.payload == {"type": "image", "url": "https://m.test/1.jpg", "caption": "look"}
    assert document.payload["type"] == "file"
    assert document.payload["content_type"] == "application/pdf"
    assert document.provider_message_id == f"{image.provider_message_id}:1"


async def test_undelivered_status_carries_the_error(
    context: ConnectorContext, twilio: Twilio, receiver: Receiver
) -> None:
    from hubbub.simulators.twilio import twilio_signature

    channel = channel_info("sms", {"auth_token": TWILIO_TOKEN})
    url = f"{receiver.url}/inbound/{channel.id}"
    params = {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    request = InboundRequest(
        "POST",
        url,
        {"x-twilio-signature": twilio_signature(TWILIO_TOKEN, url, params)},
        "&".join(f"{k}={v}" for k, v in params.items()).encode(),
    )
    batch = await TwilioConnector(context).parse_inbound(channel, request)
    [status] = batch.statuses
    assert (status.status, status.failure_code) == ("failed", "twilio_30003")


@pytest.mark.parametrize("problem", ["token", "url", "body", "missing", "no_token"])
async def test_bad_signatures_are_refused(
    context: ConnectorContext, twilio: Twilio, receiver: Receiver, problem: str
) -> None:
    simulator, _ = twilio
    channel = channel_info("sms", {"auth_token": TWILIO_TOKEN})
    await simulator.send_inbound(f"{receiver.url}/inbound/x", from_=RECIPIENT, to=SENDER, body="hi")
    good = captured_request(receiver, receiver.requests[0])
    assert dict(parse_qsl(good.body.decode()))["Body"] == "hi"
    request, used_channel = {
        "token": (good, channel_info("sms", {"auth_token": "other"})),
        "url": (InboundRequest("POST", good.url + "?x=1", good.headers, good.body), channel),
        "body": (InboundRequest("POST", good.url, good.headers, good.body + b"&Extra=1"), channel),
        "missing": (InboundRequest("POST", good.url, {}, good.body), channel),
        "no_token": (good, channel_info("sms", {})),
    }[problem]
    with pytest.raises(InvalidSignature):
        await TwilioConnector(context).parse_inbound(used_channel, request)


async def test_signature_over_the_public_url_behind_a_proxy(context: ConnectorContext) -> None:
    """Twilio signs the public callback URL; a proxy may hand Hubbub another host."""
    from hubbub.simulators.twilio import twilio_signature

    channel = channel_info("sms", {"auth_token": TWILIO_TOKEN})
    path = f"/inbound/{channel.id}"
    params = {"MessageSid": "SM9", "MessageStatus": "delivered"}
    signed = twilio_signature(TWILIO_TOKEN, context.public_base_url + path, params)
    body = "&".join(f"{k}={v}" for k, v in params.items()).encode()
    connector = TwilioConnector(context)

    internal = InboundRequest(
        "POST", "http://10.0.0.5:8000" + path, {"x-twilio-signature": signed}, body
    )
    [status] = (await connector.parse_inbound(channel, internal)).statuses
    assert status.status == "delivered"
    elsewhere = InboundRequest("POST", "http://10.0.0.5:8000/inbound/other", internal.headers, body)
    with pytest.raises(InvalidSignature):
        await connector.parse_inbound(channel, elsewhere)
