from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

# Custom events a bot records (Botpress's ``createEvent``): a type, a free-form payload, the
# conversation/user/message it is about, and a status; a scheduled one waits for its job.
bot_event = Table(
    "bot_event",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(200), nullable=False),
    Column("payload", Json, nullable=False),
    Column("conversation_id", Id, nullable=True),
    Column("user_id", Id, nullable=True),
    Column("message_id", Id, nullable=True),
    Column("workflow_id", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    Column("failure_reason", Text, nullable=True),
    Column("scheduled_for", Timestamp, nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_bot_event_workspace_created", "workspace_id", "created_at", "id"),
)
