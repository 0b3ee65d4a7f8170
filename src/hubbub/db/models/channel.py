from sqlalchemy import Column, ForeignKey, Index, String, Table

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

channel = Table(
    "channel",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    # The sender identity on the platform (an email address, a phone number, ...).
    Column("identifier", String(320), nullable=True),
    Column("config", Json, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_channel_workspace", "workspace_id", "platform"),
)
