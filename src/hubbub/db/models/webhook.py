from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

# Where a workspace wants its events POSTed. ``cursor`` is the seq of the last event of the log
# the sender has turned into deliveries for it (durable, so a restart resumes where it was).
webhook_subscription = Table(
    "webhook_subscription",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("description", String(500), nullable=True),
    # Patterns: "*", an exact type, or a prefix wildcard such as "message.*".
    Column("event_types", Json, nullable=False),
    Column("conversation_id", Id, nullable=True),
    Column("secret", String(100), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("cursor", BigInteger, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_webhook_subscription_workspace", "workspace_id", "created_at", "id"),
)

# One event to send to one subscription. ``lane`` (the conversation id, or "" for events of
# no conversation) orders them: one pending delivery per lane, its head, has a
# ``next_attempt_at``; the others wait with none until the head succeeds or is dead.
webhook_delivery = Table(
    "webhook_delivery",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, nullable=False),
    Column(
        "subscription_id",
        Id,
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("event_seq", BigInteger, nullable=False),
    Column("event_id", Id, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("lane", String(36), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Timestamp, nullable=True),
    # Set while a sender has the request in flight; a sender that died lets it lapse.
    Column("lease_until", Timestamp, nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_webhook_delivery_lane", "subscription_id", "lane", "status", "event_seq"),
    Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    Index("ix_webhook_delivery_listing", "subscription_id", "created_at", "id"),
)

# Every request made for a delivery, successful or not.
webhook_attempt = Table(
    "webhook_attempt",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, nullable=False),
    Column(
        "delivery_id", Id, ForeignKey("webhook_delivery.id", ondelete="CASCADE"), nullable=False
    ),
    Column("attempted_at", Timestamp, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_webhook_attempt_delivery", "delivery_id", "attempted_at", "id"),
)
