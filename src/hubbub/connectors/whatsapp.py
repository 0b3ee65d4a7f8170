"""The ``whatsapp`` platform over the WhatsApp Cloud API (Graph API).

Channel config: ``{"base_url": "https://graph.facebook.com", "phone_number_id": "1234",
"access_token": "EAAG...", "app_secret": "...", "api_version"?: "v21.0",
"verify_token"?: "..."}``.

**Outbound**: ``POST {base_url}/{api_version}/{phone_number_id}/messages`` with
``Authorization: Bearer {access_token}``: text (and markdown, and every payload without a
WhatsApp equivalent, as its plain text), image/audio/video/file (``document``) by ``link``,
location, and template (``name``, ``language`` default ``en_US``, ``variables`` as body
parameters, or raw Cloud API ``components``). ``biz_opaque_callback_data`` carries Hubbub's
message id. The answer's ``messages[0].id`` (a ``wamid``) is the provider id. Free-form
messages are only allowed 24 h after the contact last wrote (``service_window``); templates are
not bound by it. The Cloud API has no idempotency key, so a retry after a crash may resend.

**Inbound** (``POST /inbound/{channel_id}``): Cloud API webhooks
(``entry[].changes[].value.messages[]`` and ``.statuses[]``), checked with
``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed with app_secret>``.
Incoming media arrive as ids: ``open_media`` fetches the media object
(``{base_url}/{api_version}/{media_id}``, with the access token) and downloads the file from the
URL it gives, and the core stores it as Hubbub media (until then the payload's ``url`` is the
media object's Graph URL); ``context.id``
becomes ``in_reply_to``; types without a core equivalent become ``custom`` payloads named
``whatsapp_<type>``. A ``GET`` verification request (``hub.mode=subscribe``) is answered with
``hub.challenge`` when ``hub.verify_token`` matches the config's ``verify_token``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Annotated, Any, Final

import orjson

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
    ServiceWindow,
)
from hubbub.connectors.provider_http import (
    MediaDownload,
    MediaUnavailable,
    config_value,
    download,
    from_unix,
    json_object,
    request_or_fail,
    response_json,
)

SIGNATURE_HEADER = "x-hub-signature-256"
DEFAULT_API_VERSION = "v21.0"
DEFAULT_LANGUAGE = "en_US"
SERVICE_WINDOW = timedelta(hours=24)
PHONE_KEY = "phonenumber"
MEDIA_TYPES = {"image": "image", "audio": "audio", "video": "video", "file": "document"}
INBOUND_MEDIA = {"image": "image", "audio": "audio", "video": "video", "document": "file"}
STATUSES: dict[str, ReportedStatus] = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
}


def signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def api_root(config: Mapping[str, Any]) -> str:
    base_url = config_value(config, "base_url", platform="whatsapp").rstrip("/")
    version = config.get("api_version") or DEFAULT_API_VERSION
    return f"{base_url}/{version}"


def wa_number(phone: str) -> str:
    """WhatsApp ids are E.164 without the plus."""
    return phone.strip().removeprefix("+")


class WhatsAppConnector:
    platform = "whatsapp"

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context

    async def send(self, message: OutboundMessage) -> SendResult:
        config = message.channel.config
        phone_number_id = config_value(config, "phone_number_id", platform=self.platform)
        token = config_value(config, "access_token", platform=self.platform)
        response = await request_or_fail(
            self.context.http,
            "POST",
            f"{api_root(config)}/{phone_number_id}/messages",
            json=request_body(message),
            headers={"Authorization": f"Bearer {token}"},
        )
        ids = response_json(response).get("messages") or [{}]
        wamid = ids[0].get("id") if isinstance(ids, list) and isinstance(ids[0], dict) else None
        if not isinstance(wamid, str) or not wamid:
            raise SendFailure(
                "bad_response", "Cloud API answered without a message id", retryable=False
            )
        return SendResult(wamid)

    def answer_verification(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        """Meta's ``GET`` check of the webhook URL (``hub.challenge``)."""
        return verification_answer(channel, request)

    @asynccontextmanager
    async def open_media(
        self, channel: ChannelInfo, reference: str
    ) -> AsyncIterator[MediaDownload]:
        """An inbound media id's file: ``GET /{version}/{media id}`` gives a short-lived URL
        (and the MIME type), downloaded with the same bearer token."""
        token = channel.config.get("access_token")
        if not isinstance(token, str) or not token:
            raise MediaUnavailable("the channel has no access token", retryable=False)
        auth = {"Authorization": f"Bearer {token}"}
        async with download(
            self.context.http, f"{api_root(channel.config)}/{reference}", headers=auth
        ) as meta:
            document = orjson.loads(b"".join([chunk async for chunk in meta.chunks]) or b"{}")
        url = document.get("url") if isinstance(document, dict) else None
        if not isinstance(url, str) or not url:
            raise MediaUnavailable(f"media {reference} has no download URL", retryable=False)
        async with download(self.context.http, url, headers=auth) as media:
            mime_type = document.get("mime_type")
            yield MediaDownload(
                mime_type if isinstance(mime_type, str) else media.content_type, media.chunks
            )

    async def parse_inbound(self, channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
        if request.method.upper() == "GET":
            return verification_answer(channel, request)
        app_secret = channel.config.get("app_secret")
        if not isinstance(app_secret, str) or not app_secret:
            raise InvalidSignature("the channel has no app secret to verify with")
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given or not hmac.compare_digest(signature(app_secret, request.body), given):
            raise InvalidSignature("bad or missing X-Hub-Signature-256")
        document = json_object(request.body, what="WhatsApp webhook")
        values = list(_change_values(document))
        root = api_root(channel.config) if channel.config.get("base_url") else ""
        return InboundBatch(
            messages=tuple(m for value in values for m in inbound_messages(value, root)),
            statuses=tuple(s for value in values for s in status_updates(value)),
        )


def verification_answer(channel: ChannelInfo, request: InboundRequest) -> InboundBatch:
    expected = channel.config.get("verify_token")
    query = request.query
    if (
        query.get("hub.mode") != "subscribe"
        or not isinstance(expected, str)
        or not expected
        or not hmac.compare_digest(query.get("hub.verify_token", ""), expected)
    ):
        raise InvalidSignature("bad webhook verification request")
    return InboundBatch(
        response_body=query.get("hub.challenge", "").encode(), response_content_type="text/plain"
    )


def request_body(message: OutboundMessage) -> dict[str, Any]:
    recipient = next((r for r in message.recipients if r.type == "to"), None)
    if recipient is None:
        raise SendFailure("no_recipient", "a WhatsApp message needs a 'to' number", retryable=False)
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_number(recipient.value),
        "biz_opaque_callback_data": message.id,
        **content(message),
    }


def content(message: OutboundMessage) -> dict[str, Any]:
    payload = message.payload
    kind = message.type
    if kind in MEDIA_TYPES:
        wa_type = MEDIA_TYPES[kind]
        media: dict[str, Any] = {"link": payload["url"]}
        if payload.get("caption") and wa_type != "audio":
            media["caption"] = payload["caption"]
        if wa_type == "document" and payload.get("filename"):
            media["filename"] = payload["filename"]
        return {"type": wa_type, wa_type: media}
    if kind == "location":
        location = {k: payload[k] for k in ("latitude", "longitude")}
        location.update(
            {
                k: payload[v]
                for k, v in (("name", "title"), ("address", "address"))
                if payload.get(v)
            }
        )
        return {"type": "location", "location": location}
    if kind == "template":
        return {"type": "template", "template": template(payload)}
    return {"type": "text", "text": {"preview_url": False, "body": message.text}}


def template(payload: Mapping[str, Any]) -> dict[str, Any]:
    components = payload.get("components") or []
    variables = payload.get("variables") or []
    if not components and variables:
        parameters = [{"type": "text", "text": value} for value in variables]
        components = [{"type": "body", "parameters": parameters}]
    body: dict[str, Any] = {
        "name": payload["name"],
        "language": {"code": payload.get("language") or DEFAULT_LANGUAGE},
    }
    if components:
        body["components"] = components
    return body


def _change_values(document: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for entry in document.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            if isinstance(change, dict) and isinstance(change.get("value"), dict):
                yield change["value"]


def status_updates(value: Mapping[str, Any]) -> Iterator[StatusUpdate]:
    for item in value.get("statuses") or []:
        status = STATUSES.get(item.get("status", "")) if isinstance(item, dict) else None
        if status is None or not item.get("id"):
            continue
        errors = item.get("errors") or [{}]
        error = errors[0] if isinstance(errors[0], dict) else {}
        yield StatusUpdate(
            provider_message_id=str(item["id"]),
            status=status,
            at=from_unix(item.get("timestamp")),
            failure_code=f"whatsapp_{error['code']}" if error.get("code") else None,
            failure_reason=error.get("title") or error.get("message"),
            details={
                key: item[key]
                for key in ("biz_opaque_callback_data", "recipient_id", "pricing", "conversation")
                if key in item
            },
        )


def inbound_messages(value: Mapping[str, Any], api_root_url: str) -> Iterator[InboundMessage]:
    names = {
        c.get("wa_id"): (c.get("profile") or {}).get("name")
        for c in value.get("contacts") or []
        if isinstance(c, dict)
    }
    business = (value.get("metadata") or {}).get("display_phone_number")
    for item in value.get("messages") or []:
        if not isinstance(item, dict) or not item.get("from"):
            continue
        sender = "+" + wa_number(str(item["from"]))
        reply_to = (item.get("context") or {}).get("id")
        name = names.get(item["from"])
        yield InboundMessage(
            sender=Address(PHONE_KEY, sender),
            payload=inbound_payload(item, api_root_url),
            provider_message_id=item.get("id"),
            recipients=(Address(PHONE_KEY, "+" + wa_number(business)),) if business else (),
            received_at=from_unix(item.get("timestamp")),
            in_reply_to=(reply_to,) if reply_to else (),
            tags={"whatsapp_profile_name": name} if name else {},
            media=inbound_media(item),
        )


def inbound_payload(item: Mapping[str, Any], api_root_url: str) -> dict[str, Any]:
    kind = str(item.get("type", ""))
    raw = item.get(kind)
    body: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    if kind == "text" and body.get("body"):
        return {"type": "text", "text": body["body"]}
    if kind in INBOUND_MEDIA and body.get("id"):
        return media_payload(INBOUND_MEDIA[kind], body, api_root_url)
    if kind == "location" and "latitude" in body and "longitude" in body:
        return {
            "type": "location",
            "latitude": body["latitude"],
            "longitude": body["longitude"],
            "title": body.get("name"),
            "address": body.get("address"),
        }
    if kind == "button" and body.get("text"):
        return {"type": "text", "text": body["text"]}
    reply = body.get("button_reply") or body.get("list_reply") if kind == "interactive" else None
    if isinstance(reply, dict) and reply.get("title"):
        return {"type": "text", "text": reply["title"]}
    return {"type": "custom", "name": f"whatsapp_{kind or 'unknown'}", "data": dict(item)}


def inbound_media(item: Mapping[str, Any]) -> InboundMedia | None:
    """The media id of an image/audio/video/document message, for ``open_media``."""
    kind = str(item.get("type", ""))
    body = item.get(kind)
    if kind not in INBOUND_MEDIA or not isinstance(body, dict) or not body.get("id"):
        return None
    return InboundMedia(
        content_type=body.get("mime_type"), filename=body.get("filename"), reference=str(body["id"])
    )


def media_payload(kind: str, body: Mapping[str, Any], api_root_url: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": kind, "url": f"{api_root_url}/{body['id']}"}
    if kind != "audio" and body.get("caption"):
        payload["caption"] = body["caption"]
    if kind == "file":
        payload["content_type"] = body.get("mime_type")
        payload["filename"] = body.get("filename")
    return payload


class WhatsAppSettings(ChannelSettings):
    base_url: Annotated[str, TEXT]
    """The Graph API's root (``https://graph.facebook.com``)."""
    phone_number_id: Annotated[str, TEXT]
    """The business phone number's id."""
    access_token: Annotated[str, SECRET]
    """Bearer token for sends and media downloads."""
    app_secret: Annotated[str | None, SECRET] = None
    """Checks ``X-Hub-Signature-256`` on inbound webhooks; none: inbound refused."""
    verify_token: Annotated[str | None, SECRET] = None
    """Answers Meta's webhook verification (``hub.verify_token``)."""
    api_version: Annotated[str | None, TEXT] = None
    """Graph API version (default v21.0)."""


# One-to-one conversations. Media limits: the Cloud API's published ones.
PLATFORM: Final = PlatformDescriptor(
    name="whatsapp",
    title="WhatsApp",
    identifier_key=PHONE_KEY,
    connector=WhatsAppConnector,
    settings=WhatsAppSettings,
    service_window=ServiceWindow(SERVICE_WINDOW),
    media_rules=(
        MediaRule(("image/jpeg", "image/png"), 5 * MB),
        MediaRule(("image/webp",), 500 * 1024),  # stickers
        MediaRule(("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"), 16 * MB),
        MediaRule(("video/mp4", "video/3gpp"), 16 * MB),
        MediaRule(
            (
                "text/plain",
                "application/pdf",
                "application/msword",
                "application/vnd.ms-excel",
                "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.*",
            ),
            100 * MB,
        ),
    ),
)
