"""The ``sms`` platform over a Twilio-compatible REST API.

Channel config: ``{"base_url": "https://api.twilio.com", "account_sid": "AC...",
"auth_token": "...", "messaging_service_sid"?: "MG..."}``; the channel's ``identifier`` is the
sender number (``From``) unless a messaging service is given.

**Outbound**: ``POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json`` (HTTP basic auth,
form body ``To``, ``From``/``MessagingServiceSid``, ``Body``, ``MediaUrl`` for image, audio,
video and file payloads, ``StatusCallback`` = ``{public_base_url}/inbound/{channel_id}``). The
answer's ``sid`` is the provider id. Twilio has no idempotency key for sends, so a retry after
a crash may send twice (``provider_idempotency`` is False).

**Inbound** (``POST /inbound/{channel_id}``, form-encoded): Twilio's incoming-message webhooks
(``MessageSid``, ``From``, ``To``, ``Body``, ``NumMedia``, ``MediaUrl{i}``,
``MediaContentType{i}``; each media URL is downloaded with ``open_media`` and stored as
Hubbub media) answered with empty TwiML, and status callbacks (``MessageSid``,
``MessageStatus``, ``ErrorCode``) answered with an empty 200. Both must carry a valid
``X-Twilio-Signature``: base64 HMAC-SHA1, keyed with the auth token, of the full URL followed
by every POST parameter's name and value, sorted by name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any, Final
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from hubbub.connectors.base import (
    Address,
    ChannelInfo,
    ConnectorContext,
    InboundBatch,
    InboundMedia,
    InboundMessage,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
    ReportedStatus,
    SendFailure,
    SendResult,
    StatusUpdate,
)
from hubbub.connectors.platform import (
    MB,
    SECRET,
    TEXT,
    ChannelSettings,
    MediaRule,
    PlatformDescriptor,
)
from hubbub.connectors.provider_http import (
    MediaDownload,
    config_value,
    download,
    request_or_fail,
    response_json,
)

SIGNATURE_HEADER = "x-twilio-signature"
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MEDIA_PAYLOADS = frozenset({"image", "audio", "video", "file"})
# Twilio's message statuses in Hubbub's words; ``None`` ones say nothing new.
STATUS_MAP: dict[str, ReportedStatus | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
PHONE_KEY = "phonenumber"


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's request signature: the URL, then each parameter's name and value by name."""
    signed = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def messages_url(base_url: str, account_sid: str) -> str:
    return f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"


def callback_url(public_base_url: str, channel_id: str) -> str:
    return f"{public_base_url.rstrip('/')}/inbound/{channel_id}"


class TwilioConnector:
    platform = "sms"

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context

    async def send(self, message: OutboundMessage) -> SendResult:
        config = message.channel.config
        account_sid = config_value(config, "account_sid", platform=self.platform)
        auth_token = config_value(config, "auth_token", platform=self.platform)
        base_url = config_value(config, "base_url", platform=self.platform)
        form = self._form(message)
        response = await request_or_fail(
            self.context.http,
            "POST",
            messages_url(base_url, account_sid),
            data=form,
            auth=(account_sid, auth_token),
        )
        sid = response_json(response).get("sid")
        if not isinstance(sid, str) or not sid:
            raise SendFailure("bad_response", "Twilio answered without a sid", retryable=False)
        return SendResult(sid)

    def _form(self, message: OutboundMessage) -> dict[str, Any]:
        recipient = next((r for r in message.recipients if r.type == "to"), None)
        if recipient is None:
            raise SendFailure("no_recipient", "an SMS needs a 'to' phone number", retryable=False)
        form: dict[str, Any] = {
            "To": recipient.value,
            "StatusCallback": callback_url(self.context.public_base_url, message.channel.id),
        }
        service = message.channel.config.get("messaging_service_sid")
        if isinstance(service, str) and service:
            form["MessagingServiceSid"] = service
        elif message.channel.identifier:
            form["From"] = message.channel.identifier
        else:
            raise SendFailure(
                "channel_misconfigured",
                "sms channel needs an identifier (From) or messaging_service_sid",
                retryable=False,
            )
        media_url = message.payload.get("url") if message.type in MEDIA_PAYLOADS else None
        if isinstance(media_url, str):
            form["MediaUrl"] = [media_url]
            caption = message.payload.get("caption")
            if isinstance(caption, str) and caption:
                form["Body"] = caption
        else:
            form["Body"] = message.text
        return form

    @asynccontextmanager
    async def open_media(
        self, channel: ChannelInfo, reference: str
    ) -> AsyncIterator[MediaDownload]:
        """An MMS's ``MediaUrl``: with the account's credentials (Twilio may require HTTP basic
        auth for media), following its redirect to the file."""
        sid, token = channel.config.get("account_sid"), channel.config.get("auth_token")
        auth = (sid, token) if isinstance(sid, str) and isinstance(token, str) else None
        async with download(self.context.http, reference, auth=auth) as media:
            yield media

    async def parse_inbound(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        auth_token = channel.config.get("auth_token")
        if not isinstance(auth_token, str) or not auth_token:
            raise InvalidSignature("the channel has no auth token to verify with")
        params = parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given or not any(
            hmac.compare_digest(signature(auth_token, url, params), given)
            for url in self._urls_twilio_may_have_called(request.url)
        ):
            raise InvalidSignature("bad or missing X-Twilio-Signature")
        form = dict(params)
        if "MessageStatus" in form:
            status = status_update(form)
            return InboundBatch(statuses=(status,) if status else ())
        return InboundBatch(
            messages=tuple(inbound_messages(form)),
            response_body=EMPTY_TWIML,
            response_content_type="text/xml",
        )

    def _urls_twilio_may_have_called(self, url: str) -> list[str]:
        """The URL as this process saw it and, behind a proxy that rewrites it, the same path
        on Hubbub's public base URL (the one given to Twilio as the callback)."""
        parts = urlsplit(url)
        public = urlsplit(self.context.public_base_url)
        behind_proxy = urlunsplit(
            (public.scheme, public.netloc, public.path.rstrip("/") + parts.path, parts.query, "")
        )
        return [url] if behind_proxy == url else [url, behind_proxy]


def status_update(form: Mapping[str, str]) -> StatusUpdate | None:
    status = STATUS_MAP.get(form.get("MessageStatus", ""))
    sid = form.get("MessageSid") or form.get("SmsSid")
    if status is None or not sid:
        return None
    error_code = form.get("ErrorCode") or None
    return StatusUpdate(
        provider_message_id=sid,
        status=status,
        failure_code=f"twilio_{error_code}" if error_code else None,
        failure_reason=form.get("ErrorMessage")
        or (form["MessageStatus"] if status == "failed" else None),
        details={"twilio_status": form["MessageStatus"]},
    )


def inbound_messages(form: Mapping[str, str]) -> list[InboundMessage]:
    """One message per incoming SMS; an MMS with several media becomes one message per media
    item (the text rides on the first), ids ``{sid}`` then ``{sid}:1``, ``{sid}:2``..."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    sender = Address(PHONE_KEY, form.get("From", ""))
    recipients = (Address(PHONE_KEY, form["To"]),) if form.get("To") else ()
    body = form.get("Body", "")
    payloads = [
        media_payload(form, index, body if index == 0 else "") for index in range(_count(form))
    ]
    if not payloads:
        payloads = [{"type": "text", "text": body}]
    return [
        InboundMessage(
            sender=sender,
            payload=payload,
            provider_message_id=sid if index == 0 or not sid else f"{sid}:{index}",
            recipients=recipients,
            media=_media(form, index) if payload["type"] != "text" else None,
        )
        for index, payload in enumerate(payloads)
    ]


def _media(form: Mapping[str, str], index: int) -> InboundMedia | None:
    url = form.get(f"MediaUrl{index}")
    content_type = form.get(f"MediaContentType{index}") or None
    return InboundMedia(content_type=content_type, reference=url) if url else None


def _count(form: Mapping[str, str]) -> int:
    raw = form.get("NumMedia", "0")
    return int(raw) if raw.isdigit() else 0


def media_payload(form: Mapping[str, str], index: int, caption: str) -> dict[str, Any]:
    url = form.get(f"MediaUrl{index}", "")
    content_type = form.get(f"MediaContentType{index}", "")
    kind = content_type.split("/", 1)[0]
    if kind in ("image", "video"):
        payload: dict[str, Any] = {"type": kind, "url": url}
    elif kind == "audio":
        return {"type": "audio", "url": url}
    else:
        payload = {"type": "file", "url": url, "content_type": content_type or None}
    if caption:
        payload["caption"] = caption
    return payload


class TwilioSettings(ChannelSettings):
    base_url: Annotated[str, TEXT]
    """The REST API's root (``https://api.twilio.com``)."""
    account_sid: Annotated[str, TEXT]
    """The account (``AC...``)."""
    auth_token: Annotated[str, SECRET]
    """Authenticates sends and checks ``X-Twilio-Signature`` on callbacks."""
    messaging_service_sid: Annotated[str | None, TEXT] = None
    """Send from a messaging service (``MG...``) instead of the channel identifier."""


# One SMS has one recipient, and an SMS conversation is one-to-one. Media limits: Twilio MMS.
PLATFORM: Final = PlatformDescriptor(
    name="sms",
    title="SMS",
    identifier_key=PHONE_KEY,
    connector=TwilioConnector,
    settings=TwilioSettings,
    media_rules=(
        MediaRule(("image/jpeg", "image/png", "image/gif"), 5 * MB),
        MediaRule(("audio/*", "video/*", "text/*", "application/pdf"), 5 * MB),
    ),
)
