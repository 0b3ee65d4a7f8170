from sqlalchemy import Column, Index, String, Table

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, SequenceInt, Timestamp

# The workspace's append-only event log. ``seq`` orders it; one log serves paging, realtime
# streams and webhook replay.
event = Table(
    "event",
    metadata,
    Column("seq", SequenceInt, primary_key=True, autoincrement=True),
    Column("id", Id, nullable=False, unique=True),
    Column("workspace_id", Id, nullable=False),
    Column("type", String(64), nullable=False),
    Column("conversation_id", Id, nullable=True),
    Column("message_id", Id, nullable=True),
    Column("data", Json, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_event_workspace_seq", "workspace_id", "seq"),
    Index("ix_event_conversation_seq", "conversation_id", "seq"),
)
