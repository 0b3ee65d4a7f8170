"""Every choice the Recrubo documentation leaves open, in one place (the reference marks them
[INF] or [SEED]): change a default here and the whole dialect follows."""

from __future__ import annotations

from typing import Final

from hubbub.kit.tags import private_tag
from hubbub.messages.schemas import AuthorType, Direction
from hubbub.messages.status import Status

PREFIX: Final = "/compat/recrubo/public/v2"
MEDIA_TYPE: Final = "application/vnd.api+json"
# Bodies sent as plain JSON are accepted too: many HTTP clients cannot set the JSON:API type.
ACCEPTED_CONTENT_TYPES: Final = frozenset({MEDIA_TYPE, "application/json"})

# Pagination: page[number] from 1, page[size] up to MAX_PAGE_SIZE.
DEFAULT_PAGE_SIZE: Final = 25
MAX_PAGE_SIZE: Final = 100
# A larger page number is a 400 (JSON clients lose integers past 2**53; this bound is plenty).
MAX_PAGE_NUMBER: Final = 2**31 - 1
# Lists are newest first unless ``sort`` says otherwise.
DEFAULT_SORT: Final = "-createdAt"
# ``include=messages`` embeds at most this many messages per thread, the newest.
INCLUDED_MESSAGES_LIMIT: Final = 100

# ``origin`` on the wire and the core direction it stands for; a POST without one is outbound.
ORIGINS: Final[dict[str, Direction]] = {"outbound": "outgoing", "inbound": "incoming"}
DEFAULT_ORIGIN: Final = "outbound"

# ``sendBy`` is a display name ("Recrubo", "John"): kept as Recrubo's private tag (it can be
# patched; no other surface shows it, see ``hubbub.kit.tags``). An outbound message's author is
# of this type and names no one (an author id must be an agent of the workspace; messages
# stored before that rule kept sendBy there).
PRIVATE_SURFACE: Final = "recrubo"
SEND_BY: Final = "sendBy"
SEND_BY_TAG: Final = private_tag(PRIVATE_SURFACE, SEND_BY)
# Where sendBy was kept before private tags existed: still read, never written.
LEGACY_SEND_BY_TAG: Final = "recrubo.sendBy"
SEND_BY_AUTHOR_TYPE: Final[AuthorType] = "agent"
MAX_SEND_BY: Final = 200

# The core status machine as Recrubo's deliveryStatus (accepted → sent → delivered → read |
# failed): steps Recrubo has no word for read as the nearest one.
DELIVERY_STATUS: Final[dict[Status, str]] = {
    "scheduled": "accepted",
    "accepted": "accepted",
    "sending": "accepted",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "rejected": "failed",
    "canceled": "failed",
    "deleted": "failed",
}
DELIVERY_STATUSES: Final = ("accepted", "sent", "delivered", "read", "failed")

# Message templates are WhatsApp templates.
TEMPLATE_PLATFORM: Final = "whatsapp"
TEMPLATE_CATEGORIES: Final = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION", "AUTHORIZATION"})

# Media payload kinds and the content types each takes (a document takes any).
MEDIA_KINDS: Final[dict[str, str | None]] = {
    "image": "image/",
    "video": "video/",
    "audio": "audio/",
    "document": None,
}
# WhatsApp shows no caption under audio.
CAPTIONLESS_KINDS: Final = frozenset({"audio"})
