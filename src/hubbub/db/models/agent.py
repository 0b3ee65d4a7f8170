from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint

from hubbub.db.base import metadata
from hubbub.db.types import Id, Timestamp

# The people who answer conversations. Credentials and sessions (the web inbox) will hang off
# this row in tables of their own.
agent = Table(
    "agent",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    # Stored lower-case: unique per workspace however it was typed.
    Column("email", String(320), nullable=False),
    Column("role", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("workspace_id", "email", name="uq_agent_workspace_email"),
    Index("ix_agent_workspace_created", "workspace_id", "created_at", "id"),
)
