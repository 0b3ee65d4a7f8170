from sqlalchemy import Column, Integer, String, Table, Text

from hubbub.db.base import metadata
from hubbub.db.types import Id, Timestamp

# A client's Idempotency-Key with a fingerprint of its first request and the response it got.
idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("workspace_id", Id, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", Timestamp, nullable=False),
)

# Get-or-create by discriminating tags: one row per (kind, scope, tag set), so concurrent
# identical calls race on a primary key instead of a read-then-write.
discriminator = Table(
    "discriminator",
    metadata,
    Column("workspace_id", Id, primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("target_id", Id, nullable=False, index=True),
    Column("created_at", Timestamp, nullable=False),
)
