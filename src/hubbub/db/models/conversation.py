from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

conversation = Table(
    "conversation",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", Id, ForeignKey("channel.id", ondelete="SET NULL"), nullable=True),
    Column("status", String(16), nullable=False),
    Column("subject", Text, nullable=True),
    Column("tags", Json, nullable=False),
    Column("attributes", Json, nullable=False),
    # Drives the WhatsApp 24-hour window.
    Column("last_inbound_at", Timestamp, nullable=True),
    Column("last_message_at", Timestamp, nullable=True),
    Column("message_count", Integer, nullable=False, default=0),
    # The agent answering the conversation (None: nobody yet, or the agent was deleted).
    Column("assignee_id", Id, ForeignKey("agent.id", ondelete="SET NULL"), nullable=True),
    # Set while the conversation is snoozed: when the snooze-expiry job reopens it.
    Column("snoozed_until", Timestamp, nullable=True),
    # When the status last changed (opened, closed, snoozed); the creation time at first.
    Column("status_changed_at", Timestamp, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_conversation_workspace_created", "workspace_id", "created_at", "id"),
    Index("ix_conversation_channel_created", "workspace_id", "channel_id", "created_at", "id"),
    # The assignee filter (an inbox: "mine"), and the SET NULL when an agent is deleted.
    Index("ix_conversation_assignee_created", "assignee_id", "created_at", "id"),
)

conversation_participant = Table(
    "conversation_participant",
    metadata,
    Column(
        "conversation_id",
        Id,
        ForeignKey("conversation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("contact_id", Id, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
    Column("workspace_id", Id, nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_conversation_participant_contact", "contact_id"),
)
