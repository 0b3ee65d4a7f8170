"""The email connector against a real aiosmtpd server on loopback, and MIME parsing."""

from __future__ import annotations

import time
from email.message import EmailMessage
from typing import Any

import pytest

from hubbub.connectors.base import (
    Address,
    ConnectorContext,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
    SendFailure,
)
from hubbub.connectors.email import EmailConnector
from hubbub.connectors.mime import parse_email
from hubbub.connectors.webhook import signed_headers
from hubbub.errors import InvalidInput
from hubbub.kit.ids import new_id
from tests.connectors.conftest import Receiver, SmtpServer, channel_info

SENDER = "support@shop.test"


def outbound(
    smtp: SmtpServer,
    *,
    payload: dict[str, Any] | None = None,
    recipients: tuple[Address, ...] = (Address("emailaddress", "ann@example.test"),),
    thread: tuple[str, ...] = (),
    **config: Any,
) -> OutboundMessage:
    channel = channel_info(
        "email",
        {"smtp_host": smtp.host, "smtp_port": smtp.port, "from_name": "Shop Support", **config},
        identifier=SENDER,
    )
    payload = payload or {"type": "text", "text": "Your order shipped."}
    return OutboundMessage(
        id=new_id(),
        workspace_id=channel.workspace_id,
        conversation_id=new_id(),
        channel=channel,
        recipients=recipients,
        type=str(payload["type"]),
        payload=payload,
        text=str(payload.get("text") or payload.get("caption") or "see attachment"),
        subject="Order 42",
        thread_provider_ids=thread,
    )


async def test_send_text_and_html(context: ConnectorContext, smtp_server: SmtpServer) -> None:
    payload = {"type": "text", "text": "Plain words", "html": "<p>Rich <b>words</b></p>"}
    message = outbound(smtp_server, payload=payload)
    result = await EmailConnector(context).send(message)

    [delivered] = smtp_server.delivered
    email = delivered.email
    assert delivered.mail_from == SENDER
    assert delivered.rcpt_tos == ["ann@example.test"]
    assert result.provider_message_id == f"<{message.id}@shop.test>"
    assert email["Message-ID"] == result.provider_message_id
    assert email["Subject"] == "Order 42"
    assert email["From"] == "Shop Support <support@shop.test>"
    assert email["To"] == "ann@example.test"
    assert email["In-Reply-To"] is None
    text = email.get_body(preferencelist=("plain",))
    html = email.get_body(preferencelist=("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert text.get_content().strip() == "Plain words"
    assert html.get_content().strip() == "<p>Rich <b>words</b></p>"


async def test_to_cc_bcc(context: ConnectorContext, smtp_server: SmtpServer) -> None:
    recipients = (
        Address("emailaddress", "to@example.test"),
        Address("emailaddress", "cc@example.test", "cc"),
        Address("emailaddress", "bcc@example.test", "bcc"),
    )
    await EmailConnector(context).send(outbound(smtp_server, recipients=recipients))
    [delivered] = smtp_server.delivered
    assert sorted(delivered.rcpt_tos) == ["bcc@example.test", "cc@example.test", "to@example.test"]
    assert delivered.email["Cc"] == "cc@example.test"
    assert delivered.email["Bcc"] is None
    assert b"bcc@example.test" not in delivered.content


async def test_threading_headers(context: ConnectorContext, smtp_server: SmtpServer) -> None:
    thread = ("<first@mail.test>", "second@shop.test")
    await EmailConnector(context).send(outbound(smtp_server, thread=thread))
    email = smtp_server.delivered[0].email
    assert email["In-Reply-To"] == "<second@shop.test>"
    assert email["References"] == "<first@mail.test> <second@shop.test>"


async def test_attachment_fetched_from_its_url(
    context: ConnectorContext, smtp_server: SmtpServer, receiver: Receiver
) -> None:
    receiver.answers.append((200, "%PDF-1.4 fake"))
    payload = {
        "type": "file",
        "url": f"{receiver.url}/media/abc/invoice.pdf?sig=x",
        "content_type": "application/pdf",
        "caption": "Your invoice",
    }
    await EmailConnector(context).send(outbound(smtp_server, payload=payload))

    assert receiver.requests[0].path == "/media/abc/invoice.pdf"
    [attachment] = list(smtp_server.delivered[0].email.iter_attachments())
    assert attachment.get_filename() == "invoice.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.4 fake"


@pytest.mark.parametrize(("status", "retryable"), [(404, False), (503, True)])
async def test_missing_attachment_fails(
    context: ConnectorContext,
    smtp_server: SmtpServer,
    receiver: Receiver,
    status: int,
    retryable: bool,
) -> None:
    receiver.answers.append((status, "{}"))
    payload = {"type": "image", "url": f"{receiver.url}/x.png"}
    with pytest.raises(SendFailure) as failure:
        await EmailConnector(context).send(outbound(smtp_server, payload=payload))
    assert failure.value.retryable is retryable
    assert smtp_server.delivered == []


async def test_login(context: ConnectorContext, smtp_server: SmtpServer) -> None:
    await EmailConnector(context).send(outbound(smtp_server, username="u", password="p"))
    assert len(smtp_server.delivered) == 1
    with pytest.raises(SendFailure) as failure:
        await EmailConnector(context).send(outbound(smtp_server, username="u", password="wrong"))
    assert (failure.value.code, failure.value.retryable) == ("smtp_535", False)


@pytest.mark.parametrize(
    ("address", "retryable"), [("refuse-x@t.test", False), ("later-x@t.test", True)]
)
async def test_refused_recipients(
    context: ConnectorContext, smtp_server: SmtpServer, address: str, retryable: bool
) -> None:
    message = outbound(smtp_server, recipients=(Address("emailaddress", address),))
    with pytest.raises(SendFailure) as failure:
        await EmailConnector(context).send(message)
    assert failure.value.code == "recipients_refused"
    assert failure.value.retryable is retryable


async def test_unreachable_server_is_retryable(context: ConnectorContext) -> None:
    channel = channel_info("email", {"smtp_host": "127.0.0.1", "smtp_port": 9}, identifier=SENDER)
    message = OutboundMessage(
        id=new_id(),
        workspace_id=new_id(),
        conversation_id=new_id(),
        channel=channel,
        recipients=(Address("emailaddress", "a@b.test"),),
        type="text",
        payload={"type": "text", "text": "x"},
        text="x",
    )
    with pytest.raises(SendFailure) as failure:
        await EmailConnector(context).send(message)
    assert (failure.value.code, failure.value.retryable) == ("smtp_unreachable", True)


async def test_sent_email_parses_back(context: ConnectorContext, smtp_server: SmtpServer) -> None:
    """What Hubbub sends, parsed the way a reply would be: threading survives the round trip."""
    message = outbound(smtp_server, thread=("<older@x.test>",))
    result = await EmailConnector(context).send(message)
    parsed = parse_email(smtp_server.delivered[0].content)
    assert parsed.provider_message_id == result.provider_message_id
    assert parsed.sender == Address("emailaddress", SENDER)
    assert parsed.in_reply_to == ("<older@x.test>",)
    assert parsed.payload == {"type": "text", "text": "Your order shipped."}


REPLY = b"""From: Ann Example <Ann@Example.test>
To: support@shop.test
Cc: boss@example.test
Subject: Re: Order 42
Date: Mon, 02 Feb 2026 10:00:00 +0000
Message-ID: <reply-1@example.test>
In-Reply-To: <b@shop.test>
References: <a@shop.test> <b@shop.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/html; charset=utf-8

<html><head><style>p{}</style></head><body><p>Thanks &amp; bye</p><p>Ann</p></body></html>
--XX
Content-Type: application/pdf; name="scan.pdf"
Content-Disposition: attachment; filename="scan.pdf"
Content-Transfer-Encoding: base64

JVBERi0=
--XX--
"""


def test_parse_reply() -> None:
    parsed = parse_email(REPLY)
    assert parsed.sender == Address("emailaddress", "ann@example.test")
    assert parsed.recipients == (
        Address("emailaddress", "support@shop.test", "to"),
        Address("emailaddress", "boss@example.test", "cc"),
    )
    assert parsed.subject == "Re: Order 42"
    assert parsed.provider_message_id == "<reply-1@example.test>"
    assert parsed.in_reply_to == ("<b@shop.test>", "<a@shop.test>")
    assert parsed.payload["text"] == "Thanks & bye\nAnn"
    assert "<p>Thanks &amp; bye</p>" in parsed.payload["html"]
    assert parsed.received_at is not None
    assert parsed.received_at.year == 2026
    assert parsed.tags == {"email_attachments": "scan.pdf"}


RELAY_SECRET = "relay-secret"


def relay(body: bytes, secret: str = RELAY_SECRET, now: float | None = None) -> InboundRequest:
    headers = {k.lower(): v for k, v in signed_headers(secret, body, now=now).items()}
    return InboundRequest("POST", "http://h/inbound/x", headers, body)


async def test_relay_inbound(context: ConnectorContext) -> None:
    channel = channel_info("email", {"inbound_secret": "relay-secret"}, identifier=SENDER)
    batch = await EmailConnector(context).parse_inbound(channel, relay(REPLY))
    [message, attachment] = batch.messages
    assert message.provider_message_id == "<reply-1@example.test>"
    # The attachment is a message of its own, its bytes in hand for the media store.
    assert attachment.provider_message_id == "<reply-1@example.test>:1"
    assert attachment.payload["type"] == "file"
    assert attachment.media is not None
    assert (attachment.media.filename, attachment.media.content_type) == (
        "scan.pdf",
        "application/pdf",
    )
    assert attachment.media.data == b"%PDF-"


@pytest.mark.parametrize("problem", ["secret", "stale", "no_secret"])
async def test_relay_refuses_bad_signatures(context: ConnectorContext, problem: str) -> None:
    good = channel_info("email", {"inbound_secret": "relay-secret"})
    request, channel = {
        "secret": (relay(REPLY, "other"), good),
        "stale": (relay(REPLY, now=time.time() - 600), good),
        "no_secret": (relay(REPLY), channel_info("email", {"smtp_host": "x"})),
    }[problem]
    with pytest.raises(InvalidSignature):
        await EmailConnector(context).parse_inbound(channel, request)


async def test_relay_without_sender_is_invalid_input(context: ConnectorContext) -> None:
    channel = channel_info("email", {"inbound_secret": "relay-secret"})
    with pytest.raises(InvalidInput):
        await EmailConnector(context).parse_inbound(channel, relay(b"Subject: x\n\nno from"))
