"""WhatsApp's customer-service window: a business may send free-form messages only within 24
hours of the contact's last message; outside it only an approved template may be sent.

The rule lives in the core because every surface (native, Bird, Recrubo, ...) sends through the
same store: a message that breaks it is accepted, then fails, so the client sees a stored message
with a failure instead of a request error. The create path checks it once and the delivery runner
checks scheduled messages again at send time, when the window may have closed (or opened).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from hubbub.messages.schemas import Failure

WINDOW: Final = timedelta(hours=24)
RESTRICTED_PLATFORMS: Final = frozenset({"whatsapp"})
ALWAYS_ALLOWED_PAYLOADS: Final = frozenset({"template"})
WINDOW_CLOSED_CODE: Final = "service_window_closed"


def is_restricted(platform: str | None) -> bool:
    """Whether messages on ``platform`` are subject to a service window at all; callers use it
    to skip the conversation lookup on every other platform."""
    return platform in RESTRICTED_PLATFORMS


def service_window_failure(
    *, platform: str, payload_type: str, last_inbound_at: datetime | None, now: datetime
) -> Failure | None:
    """The failure of an outgoing message of ``payload_type`` on ``platform`` sent at ``now``,
    when the contact last wrote at ``last_inbound_at`` (None: never); None when it may go."""
    if not is_restricted(platform) or payload_type in ALWAYS_ALLOWED_PAYLOADS:
        return None
    if last_inbound_at is None:
        reason = (
            "the contact has not written yet, so WhatsApp allows only a template message "
            "to start the conversation"
        )
    elif now - last_inbound_at > WINDOW:
        reason = (
            "more than 24 hours have passed since the contact's last message, so WhatsApp "
            "allows only a template message"
        )
    else:
        return None
    return Failure(stage="sending", code=WINDOW_CLOSED_CODE, reason=reason)
