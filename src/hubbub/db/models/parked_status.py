from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

# Provider status callbacks for a provider message id not stored yet: a fast provider can call
# back between answering the send and the runner storing the id it answered. The runner applies
# (and deletes) them when it stores that id; rows nobody claims are purged after a retention.
parked_status = Table(
    "parked_status",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", Id, ForeignKey("channel.id", ondelete="CASCADE"), nullable=False),
    Column("provider_message_id", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("at", Timestamp, nullable=True),
    Column("failure_code", String(100), nullable=True),
    Column("failure_reason", Text, nullable=True),
    Column("details", Json, nullable=False),
    Column("received_at", Timestamp, nullable=False),
    Index("ix_parked_status_provider_id", "channel_id", "provider_message_id"),
    Index("ix_parked_status_received", "received_at"),
)
