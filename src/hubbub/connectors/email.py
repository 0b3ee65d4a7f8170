"""The ``email`` platform: outbound over SMTP (aiosmtplib), inbound from the built-in SMTP
listener, the raw-MIME upload endpoint, or a signed relay POST to ``/inbound/{channel_id}``.

Channel ``identifier``: the sender address (``support@example.com``). Channel config:
``{"smtp_host": "smtp.example.com", "smtp_port": 587, "username"?: "...", "password"?: "...",
"starttls"?: true|false (default: when the server offers it), "tls"?: false (implicit TLS),
"from_name"?: "Support", "inbound_secret"?: "...", "max_attachment_bytes"?: 26214400}``.

**Outbound**: one email to every recipient (to and cc in headers, bcc in the envelope only),
the message's subject, a text part (the message's plain text) and, for a text payload with
``html``, an HTML alternative. Image, audio, video and file payloads (and a blocks payload's
files) become attachments: their ``url`` (e.g. Hubbub's signed media download URL) is fetched
with the shared HTTP client when the email is sent. The ``Message-ID`` is derived from
Hubbub's message id (stable across retries) and is the provider id; earlier provider ids of the
conversation become ``In-Reply-To`` (the latest) and ``References`` (all).

**Relay inbound** (``POST /inbound/{channel_id}``): the raw MIME bytes as the body, signed
like the webhook platform (``X-Hubbub-Timestamp``, ``X-Hubbub-Signature``) with
``inbound_secret``; a channel without one refuses relay posts.

**Attachments** of inbound email (any way in) become messages of their own after the text
(image/audio/video/file, provider ids ``{Message-ID}:1``...), their bytes stored as Hubbub
media and their ``url`` Hubbub's signed download link.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from typing import Annotated, Any, Final
from urllib.parse import unquote, urlsplit

import aiosmtplib
import httpx
from pydantic import Field

from hubbub.connectors import webhook
from hubbub.connectors.base import (
    ChannelInfo,
    ConnectorContext,
    InboundBatch,
    InboundMessage,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
    SendFailure,
    SendResult,
)
from hubbub.connectors.mime import (
    Attachment,
    MalformedEmail,
    build_email,
    envelope_recipients,
    message_id_for,
    parse_email_messages,
)
from hubbub.connectors.platform import (
    MB,
    SECRET,
    TEXT,
    ChannelSettings,
    MediaRule,
    PlatformDescriptor,
)
from hubbub.connectors.provider_http import config_value
from hubbub.errors import InvalidInput

MEDIA_PAYLOADS = frozenset({"image", "audio", "video", "file"})
DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
SMTP_TIMEOUT_SECONDS = 30.0
MAX_REASON_CHARS = 500


class EmailConnector:
    platform = "email"

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context

    async def send(self, message: OutboundMessage) -> SendResult:
        config = message.channel.config
        sender = message.channel.identifier or config.get("from")
        if not isinstance(sender, str) or "@" not in sender:
            raise SendFailure(
                "channel_misconfigured", "email channel needs a sender address", retryable=False
            )
        recipients = envelope_recipients(message)
        if not recipients:
            raise SendFailure("no_recipient", "an email needs a recipient", retryable=False)
        attachments = [await self._fetch(url, meta, config) for url, meta in _media(message)]
        html = message.payload.get("html") if message.type == "text" else None
        email = build_email(
            message,
            sender=sender,
            sender_name=config.get("from_name"),
            html=html if isinstance(html, str) else None,
            attachments=attachments,
        )
        await self._deliver(email, sender, recipients, config)
        return SendResult(message_id_for(message.id, sender))

    async def _deliver(
        self, email: EmailMessage, sender: str, recipients: list[str], config: Mapping[str, Any]
    ) -> None:
        starttls = config.get("starttls")
        try:
            await aiosmtplib.send(
                email,
                sender=sender,
                recipients=recipients,
                hostname=config_value(config, "smtp_host", platform=self.platform),
                port=int(config.get("smtp_port") or 25),
                username=config.get("username") or None,
                password=config.get("password") or None,
                use_tls=bool(config.get("tls", False)),
                start_tls=starttls if isinstance(starttls, bool) else None,
                timeout=SMTP_TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            raise SendFailure(
                "recipients_refused",
                "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)[
                    :MAX_REASON_CHARS
                ],
                retryable=all(400 <= code < 500 for code in codes),
            ) from None
        except aiosmtplib.SMTPResponseException as error:
            raise SendFailure(
                f"smtp_{error.code}",
                error.message[:MAX_REASON_CHARS],
                retryable=400 <= error.code < 500,
            ) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            # Could not connect, timed out or was cut off: the server may try again later.
            raise SendFailure(
                "smtp_unreachable", f"{type(error).__name__}: {error!r}", retryable=True
            ) from None

    async def _fetch(
        self, url: str, meta: Mapping[str, Any], config: Mapping[str, Any]
    ) -> Attachment:
        limit = int(config.get("max_attachment_bytes") or DEFAULT_MAX_ATTACHMENT_BYTES)
        try:
            response = await self.context.http.get(url, timeout=SMTP_TIMEOUT_SECONDS)
        except httpx.HTTPError as error:
            raise SendFailure("attachment_unreachable", f"{url}: {error}", retryable=True) from None
        if response.status_code >= 400:
            raise SendFailure(
                "attachment_unavailable",
                f"{url} answered {response.status_code}",
                retryable=response.status_code >= 500 or response.status_code == 429,
            )
        if len(response.content) > limit:
            raise SendFailure(
                "attachment_too_large", f"{url} is over {limit} bytes", retryable=False
            )
        content_type = meta.get("content_type") or response.headers.get(
            "content-type", "application/octet-stream"
        )
        return Attachment(
            filename=meta.get("filename") or _filename(url),
            content_type=str(content_type).split(";", 1)[0].strip(),
            data=response.content,
        )

    async def parse_inbound(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        secret = channel.config.get("inbound_secret")
        if not isinstance(secret, str) or not secret:
            raise InvalidSignature("the channel accepts no relayed email (no inbound_secret)")
        webhook.verify(secret, request.headers, request.body)
        return InboundBatch(messages=parse_raw(request.body))


def parse_raw(raw: bytes) -> tuple[InboundMessage, ...]:
    """``parse_email_messages`` (the text, then each attachment) with a malformed email
    reported as ``InvalidInput`` (a 400)."""
    try:
        return parse_email_messages(raw)
    except MalformedEmail as error:
        raise InvalidInput(str(error)) from None


def _media(message: OutboundMessage) -> list[tuple[str, Mapping[str, Any]]]:
    payload = message.payload
    if message.type in MEDIA_PAYLOADS and isinstance(payload.get("url"), str):
        return [(payload["url"], payload)]
    if message.type == "blocks":
        files = payload.get("files") or []
        return [
            (f["url"], f) for f in files if isinstance(f, dict) and isinstance(f.get("url"), str)
        ]
    return []


def _filename(url: str) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name or "attachment"


class EmailSettings(ChannelSettings):
    smtp_host: Annotated[str, TEXT]
    """The SMTP server outgoing email is handed to."""
    smtp_port: Annotated[int | None, Field(ge=1, le=65535)] = None
    """Its port (default 25)."""
    username: str | None = None
    """SMTP login."""
    password: Annotated[str | None, SECRET] = None
    """SMTP password."""
    starttls: bool | None = None
    """Upgrade with STARTTLS (default: when the server offers it)."""
    tls: bool | None = None
    """Implicit TLS from the first byte (port 465)."""
    from_name: str | None = None
    """The sender's display name."""
    sender: Annotated[str | None, Field(alias="from")] = None
    """The sender address when the channel has no identifier."""
    inbound_secret: Annotated[str | None, SECRET] = None
    """Signs relayed inbound email (``POST /inbound/{channel_id}``); none: no relay."""
    max_attachment_bytes: Annotated[int | None, Field(ge=1)] = None
    """The largest attachment fetched for an outgoing email (default 25 MB)."""


# One email goes to every recipient (to, cc, bcc), and a thread may have several people.
PLATFORM: Final = PlatformDescriptor(
    name="email",
    title="Email",
    identifier_key="emailaddress",
    connector=EmailConnector,
    settings=EmailSettings,
    several_recipients=True,
    group_conversations=True,
    # What common SMTP relays take.
    media_rules=(MediaRule(("*/*",), 25 * MB),),
)
