from sqlalchemy import Column, ForeignKey, Index, String, Table

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

contact = Table(
    "contact",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=True),
    Column("attributes", Json, nullable=False),
    Column("tags", Json, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_contact_workspace_created", "workspace_id", "created_at", "id"),
)

# One identifier names at most one contact in a workspace; the primary key makes
# "get or create by identifier" safe under concurrency.
contact_identifier = Table(
    "contact_identifier",
    metadata,
    Column("workspace_id", Id, primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("value", String(320), primary_key=True),
    Column("contact_id", Id, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Index("ix_contact_identifier_contact", "contact_id"),
)
