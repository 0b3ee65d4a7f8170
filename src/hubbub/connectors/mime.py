"""Email as MIME, both ways: ``build_email`` turns an outbound message into an RFC 5322
message (text and HTML alternatives, attachments, threading headers) and ``parse_email`` turns
raw bytes from SMTP or an upload into an ``InboundMessage``.

Threading works on Message-IDs, kept with their angle brackets (``<id@host>``) everywhere:
what Hubbub sends as ``Message-ID`` is the provider id it stores, and a reply's
``In-Reply-To`` / ``References`` come back as ``in_reply_to`` (nearest first), so the core can
find the conversation the reply belongs to."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email import policy
from email.headerregistry import Address as MailAddress
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from html import unescape

from hubbub.connectors.base import Address, InboundMedia, InboundMessage, OutboundMessage
from hubbub.kit.clock import utcnow

EMAIL_KEY = "emailaddress"
# The core's limits on a text payload (hubbub.messages.payloads, which connectors may not
# import): longer bodies are cut rather than refused, since an email cannot be sent back.
MAX_TEXT = 4096 * 4
MAX_HTML = MAX_TEXT * 4
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
TAG = re.compile(r"<[^>]+>")
BLOCK_END = re.compile(r"</(p|div|li|tr|h[1-6])>|<br\s*/?>", re.IGNORECASE)
# Attachments of these kinds become image/audio/video messages; any other is a file.
INLINE_KINDS = frozenset({"image", "audio", "video"})
HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "maintype/subtype"
    data: bytes


class MalformedEmail(ValueError):
    """Bytes that are not an email Hubbub can file (no sender, nothing parseable)."""


def message_id_for(message_id: str, sender: str) -> str:
    """The stable ``Message-ID`` of Hubbub's message ``message_id``: a retry sends the same
    one, so receivers that de-duplicate on it see one email."""
    domain = sender.rpartition("@")[2] or "hubbub.invalid"
    return f"<{message_id}@{domain}>"


def bracketed(provider_id: str) -> str:
    provider_id = provider_id.strip()
    return provider_id if provider_id.startswith("<") else f"<{provider_id}>"


def build_email(
    message: OutboundMessage,
    *,
    sender: str,
    sender_name: str | None = None,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    email = EmailMessage(policy=policy.SMTP)
    local, _, domain = sender.partition("@")
    email["From"] = MailAddress(display_name=sender_name or "", username=local, domain=domain)
    for kind, header in (("to", "To"), ("cc", "Cc")):
        addresses = [r.value for r in message.recipients if r.type == kind]
        if addresses:
            email[header] = ", ".join(addresses)
    email["Subject"] = message.subject or ""
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id_for(message.id, sender)
    if message.thread_provider_ids:
        ids = [bracketed(i) for i in message.thread_provider_ids]
        email["In-Reply-To"] = ids[-1]
        email["References"] = " ".join(ids)
    email["X-Hubbub-Message-Id"] = message.id
    email.set_content(message.text or " ")
    if html:
        email.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return email


def envelope_recipients(message: OutboundMessage) -> list[str]:
    """Everyone the SMTP envelope names: to, cc and bcc (bcc never appears in a header)."""
    return [r.value for r in message.recipients]


def parse_email(raw: bytes) -> InboundMessage:
    """The email's text message (attachments only named, in the ``email_attachments`` tag)."""
    return _text_message(_parsed(raw))


def parse_email_messages(raw: bytes) -> tuple[InboundMessage, ...]:
    """The email's text message, then one media message per attachment carrying its bytes
    (``media.data``, stored as Hubbub media by the core), as Twilio MMS are filed: provider ids
    ``{Message-ID}:1``, ``:2``..., so a re-delivered email is still stored once."""
    email = _parsed(raw)
    text = _text_message(email)
    files = [part for part in email.iter_attachments() if isinstance(part, EmailMessage)]
    return (text, *(_attachment_message(text, part, n) for n, part in enumerate(files, 1)))


def _parsed(raw: bytes) -> EmailMessage:
    email = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(email, EmailMessage):  # pragma: no cover - policy.default makes these
        raise MalformedEmail("not an email message")
    return email


def _attachment_message(text: InboundMessage, part: EmailMessage, number: int) -> InboundMessage:
    content_type = part.get_content_type()
    filename = part.get_filename() or f"attachment-{number}"
    data = part.get_payload(decode=True)
    kind = content_type.split("/", 1)[0]
    payload: dict[str, object] = {"type": kind if kind in INLINE_KINDS else "file"}
    payload["url"] = f"attachment:{number}"  # replaced by the stored copy's link
    if payload["type"] == "file":
        payload.update(filename=filename, content_type=content_type)
    provider_id = text.provider_message_id
    return replace(
        text,
        payload=payload,
        provider_message_id=f"{provider_id}:{number}" if provider_id else None,
        tags={},
        media=InboundMedia(
            content_type=content_type,
            filename=filename,
            data=data if isinstance(data, bytes) else b"",
        ),
    )


def _text_message(email: EmailMessage) -> InboundMessage:
    senders = _addresses(email.get_all("From", []))
    if not senders:
        raise MalformedEmail("the email has no From address")
    text, html = _bodies(email)
    subject = str(email.get("Subject", "")).strip() or None
    payload: dict[str, object] = {
        "type": "text",
        "text": (text or subject or "(empty email)")[:MAX_TEXT],
    }
    if html and len(html) <= MAX_HTML:
        payload["html"] = html
    names = [part.get_filename() for part in email.iter_attachments()]
    tags = {"email_attachments": ", ".join(n for n in names if n)} if any(names) else {}
    return InboundMessage(
        sender=Address(EMAIL_KEY, senders[0]),
        payload=payload,
        provider_message_id=_first_id(email.get("Message-ID")),
        recipients=(
            *(Address(EMAIL_KEY, a, "to") for a in _addresses(email.get_all("To", []))),
            *(Address(EMAIL_KEY, a, "cc") for a in _addresses(email.get_all("Cc", []))),
        ),
        subject=subject,
        received_at=_date(email.get("Date")),
        in_reply_to=reply_chain(email.get("In-Reply-To"), email.get("References")),
        tags=tags,
    )


def reply_chain(in_reply_to: object, references: object) -> tuple[str, ...]:
    """In-Reply-To first, then References newest first, each id once."""
    ids = MESSAGE_ID.findall(str(in_reply_to or ""))
    ids += reversed(MESSAGE_ID.findall(str(references or "")))
    return tuple(dict.fromkeys(ids))


def _addresses(values: Iterable[object]) -> list[str]:
    return [
        address.lower() for _, address in getaddresses([str(v) for v in values]) if "@" in address
    ]


def _first_id(value: object) -> str | None:
    found = MESSAGE_ID.findall(str(value or ""))
    return found[0] if found else None


def _date(value: object) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError):
        return None
    return parsed if parsed is None or parsed.tzinfo else None


def _bodies(email: EmailMessage) -> tuple[str | None, str | None]:
    text_part = email.get_body(preferencelist=("plain",))
    html_part = email.get_body(preferencelist=("html",))
    text = _content(text_part)
    html = _content(html_part)
    if not text and html:
        text = html_to_text(html)
    return (text.strip() or None) if text else None, html


def _content(part: object) -> str | None:
    if not isinstance(part, EmailMessage):
        return None
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken transfer encoding
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else None
    return content if isinstance(content, str) else None


def html_to_text(html: str) -> str:
    """Good enough for search and text-only surfaces; the HTML itself is kept alongside."""
    text = BLOCK_END.sub("\n", HIDDEN.sub("", html))
    lines = (line.strip() for line in unescape(TAG.sub("", text)).splitlines())
    return "\n".join(line for line in lines if line)
