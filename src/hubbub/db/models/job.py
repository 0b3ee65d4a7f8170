from sqlalchemy import Column, Index, Integer, SmallInteger, String, Table, Text

from hubbub.db.base import metadata
from hubbub.db.types import Id, Json, Timestamp

# The outbox: written in the same transaction as the change that needs it, run after commit.
job = Table(
    "job",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workspace_id", Id, nullable=True),
    Column("kind", String(64), nullable=False),
    Column("target_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("run_at", Timestamp, nullable=False),
    # Lower runs first (``hubbub.jobs.priorities``); the claim orders by (priority, run_at).
    Column("priority", SmallInteger, nullable=False, server_default="50"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False),
    Column("lease_until", Timestamp, nullable=True),
    Column("locked_by", String(64), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("errors", Json, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_job_due", "status", "run_at"),
    Index("ix_job_target", "kind", "target_id"),
    Index("ix_job_claim", "status", "priority", "run_at"),
)
