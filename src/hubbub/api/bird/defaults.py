"""Every Bird behaviour we had to infer rather than read in Bird's documentation, in one place
so each can be changed alone (see the reference, section A.9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from hubbub.kit.cursors import Order
from hubbub.kit.tags import private_tag

PREFIX: Final = "/compat/bird"

# Listing (A.7): limit 1..100, default 10; ``reverse=false`` reads newest first.
DEFAULT_LIMIT: Final = 10
MAX_LIMIT: Final = 100
ORDER: Final[Order] = "desc"
REVERSED: Final[Order] = "asc"
MAX_PAGE_TOKEN: Final = 8000

# Tags (A.3): at most 10, 1..50 of letters, digits, '-', '_' and space, stored lower-cased.
# A Bird tag is a core tag key; this is the value it carries.
MAX_TAGS: Final = 10
TAG_PATTERN: Final = r"^[a-zA-Z0-9-_ ]+$"
TAG_VALUE: Final = "true"
# What Bird sends that the core has no field for (replyTo) is kept in Bird's private tags
# (``hubbub.kit.tags``), which no surface shows as tags.
PRIVATE_SURFACE: Final = "bird"
REPLY_TO_ID: Final = "replyTo.id"
REPLY_TO_TYPE: Final = "replyTo.type"
REPLY_TO_ID_TAG: Final = private_tag(PRIVATE_SURFACE, REPLY_TO_ID)
REPLY_TO_TYPE_TAG: Final = private_tag(PRIVATE_SURFACE, REPLY_TO_TYPE)
# Where replyTo was kept before private tags existed: still read and still hidden, never written.
LEGACY_TAG_PREFIX: Final = "bird:"

# Scheduling (A.3): further ahead than this is refused.
MAX_SCHEDULE_AHEAD: Final = timedelta(days=35)

# Batch send (A.2): 1..100 requests.
MAX_BATCH: Final = 100

# Interactions (A.6) have no documented paging: we answer up to this many.
MAX_INTERACTIONS: Final = 500

# Core interaction types and Bird's names for them; core types not listed have no Bird
# equivalent and are left out (status changes are statuses in Bird, not interactions).
INTERACTION_TYPES: Final[dict[str, str]] = {
    "clicked": "clicked",
    "opened": "opened",
    "read": "read",
    "reaction": "reaction",
    "unsubscribed": "unsubscribe-request",
    "complained": "reported-as-spam",
}

# Error ``code`` strings (A.8 gives only NotFound and InvalidPayload as examples).
ERROR_CODES: Final[dict[int, str]] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidPayload",
}
INTERNAL_ERROR_CODE: Final = "InternalServerError"
VALIDATION_MESSAGE: Final = "request body did not pass validation"

# Core field names, as a Bird client knows them, in error details.
FIELD_NAMES: Final[dict[str, str]] = {
    "recipients": "receiver.contacts",
    "payload": "body",
    "scheduled_for": "scheduledFor",
    "channel_id": "channelId",
    "conversation_id": "replyTo",
    "batch_id": "batchId",
    "content_type": "contentType",
    "cursor": "pageToken",
    "tag": "tag",
}
RECIPIENT_FIELDS: Final[dict[str, str]] = {"value": "identifierValue", "key": "identifierKey"}
