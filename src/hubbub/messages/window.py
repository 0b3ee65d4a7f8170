"""The service window (WhatsApp's customer-service window): on a platform whose descriptor has
one, a business may send free-form messages only within its length (24 hours on WhatsApp) of the
contact's last message; outside it only an approved template may be sent.

The rule is checked once, when the delivery job runs (``delivery/deliver.py``), whatever surface
made the message: as the vendors document it, such a message is *accepted* (the create answers
normally) and then *fails when it is sent*, the failure an interaction and an event like any
other. Checking at send time also judges a scheduled message by the window as it is when due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from hubbub.connectors import registry
from hubbub.messages.schemas import Failure

WINDOW_CLOSED_CODE: Final = "service_window_closed"


def service_window_failure(
    *, platform: str, payload_type: str, last_inbound_at: datetime | None, now: datetime
) -> Failure | None:
    """The failure of an outgoing message of ``payload_type`` on ``platform`` sent at ``now``,
    when the contact last wrote at ``last_inbound_at`` (None: never); None when it may go."""
    descriptor = registry.find(platform)
    window = descriptor.service_window if descriptor is not None else None
    if window is None or payload_type in window.always_allowed:
        return None
    assert descriptor is not None
    if last_inbound_at is None:
        reason = (
            f"the contact has not written yet, so {descriptor.title} allows only a template "
            "message to start the conversation"
        )
    elif now - last_inbound_at > window.length:
        hours = window.length / timedelta(hours=1)
        span = f"{hours:g} hour" + ("" if hours == 1 else "s")
        reason = (
            f"the contact last wrote more than {span} ago, so {descriptor.title} allows only "
            "a template message"
        )
    else:
        return None
    return Failure(stage="sending", code=WINDOW_CLOSED_CODE, reason=reason)
