from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, text

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

message = Table(
    "message",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column(
        "conversation_id", Id, ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False
    ),
    Column("channel_id", Id, ForeignKey("channel.id", ondelete="SET NULL"), nullable=True),
    Column("direction", String(8), nullable=False),
    Column("author_type", String(16), nullable=False),
    Column("author_id", String(200), nullable=True),
    Column("recipients", Json, nullable=False),
    Column("type", String(200), nullable=False),
    Column("payload", Json, nullable=False),
    Column("tags", Json, nullable=False),
    Column("origin", String(32), nullable=True),
    Column("reference", String(200), nullable=True),
    Column("status", String(16), nullable=False),
    Column("status_at", Timestamp, nullable=False),
    Column("failure", Json, nullable=True),
    Column("scheduled_for", Timestamp, nullable=True),
    Column("batch_id", Id, nullable=True),
    # Derived from the payload when written, for search and for surfaces that show plain text.
    Column("subject", Text, nullable=True),
    Column("text", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    # The provider's id of a sent (or received) message: status callbacks find it by this.
    Column("provider_message_id", String(200), nullable=True),
    Index("ix_message_conversation_created", "workspace_id", "conversation_id", "created_at", "id"),
    Index("ix_message_workspace_created", "workspace_id", "created_at", "id"),
    Index("ix_message_channel_created", "workspace_id", "channel_id", "created_at", "id"),
    # Partial: most messages have neither, and every query on these names a value.
    Index(
        "ix_message_batch",
        "workspace_id",
        "batch_id",
        sqlite_where=text("batch_id IS NOT NULL"),
        postgresql_where=text("batch_id IS NOT NULL"),
    ),
    Index(
        "ix_message_provider_id",
        "workspace_id",
        "provider_message_id",
        sqlite_where=text("provider_message_id IS NOT NULL"),
        postgresql_where=text("provider_message_id IS NOT NULL"),
    ),
)

interaction = Table(
    "interaction",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, nullable=False),
    Column("message_id", Id, ForeignKey("message.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("details", Json, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_interaction_message", "message_id", "created_at", "id"),
)
