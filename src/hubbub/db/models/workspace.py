from sqlalchemy import Column, ForeignKey, Index, String, Table

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

workspace = Table(
    "workspace",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

access_key = Table(
    "access_key",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", Json, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("revoked_at", Timestamp, nullable=True),
    Index("ix_access_key_workspace", "workspace_id", "created_at"),
)
