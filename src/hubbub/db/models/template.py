from sqlalchemy import Column, ForeignKey, Index, String, Table

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

# Message templates (WhatsApp-style): fixed text with ``{{n}}`` placeholders, filled at send time.
message_template = Table(
    "message_template",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("language", String(35), nullable=False),
    # The platform it is for (whatsapp, ...), and optionally one channel of it.
    Column("platform", String(20), nullable=True),
    Column("channel_id", Id, ForeignKey("channel.id", ondelete="SET NULL"), nullable=True),
    Column("category", String(32), nullable=True),
    Column("status", String(16), nullable=False),
    Column("components", Json, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_message_template_workspace_created", "workspace_id", "created_at", "id"),
    Index("ix_message_template_workspace_name", "workspace_id", "name", "language"),
)
