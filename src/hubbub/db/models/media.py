from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table

from hubbub.db.base import metadata
from hubbub.db.types import Id, Timestamp

# Uploaded files. A presigned upload creates a ``pending`` row; the upload fills in size and
# checksum and makes it ``ready``. The bytes live in the blob store under ``storage_key``.
media = Table(
    "media",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    Column("channel_id", Id, nullable=True),
    Column("status", String(16), nullable=False),
    Column("filename", String(255), nullable=True),
    Column("content_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=True),
    Column("checksum", String(64), nullable=True),
    Column("storage_key", String(255), nullable=True),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_media_workspace_created", "workspace_id", "created_at", "id"),
)
