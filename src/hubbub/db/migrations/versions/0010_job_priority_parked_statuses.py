"""delivery: job priorities and parked status callbacks

- ``job.priority`` (lower runs first) and ``ix_job_claim`` on ``(status, priority, run_at)``,
  the runner's claim order, so due sends never wait behind a backlog of housekeeping jobs.
  Existing jobs get their kind's priority (the table in ``hubbub.jobs.priorities`` as of this
  revision).
- ``parked_status``: provider status callbacks that arrived before the provider id they name
  was stored; applied when the runner stores it, purged after a retention.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: a migration must not change when the application's table does.
PRIORITIES = {"message.deliver": 0, "bot_event.fire": 10, "sandbox.advance": 100}


def upgrade() -> None:
    _add_job_priority()
    _create_parked_status()


def _add_job_priority() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), server_default="50", nullable=False)
        )
    job = sa.table("job", sa.column("kind", sa.String()), sa.column("priority", sa.SmallInteger()))
    for kind, priority in PRIORITIES.items():
        op.execute(job.update().where(job.c.kind == kind).values(priority=priority))
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_claim", ["status", "priority", "run_at"], unique=False)


def _create_parked_status() -> None:
    op.create_table(
        "parked_status",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("provider_message_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=True),
        sa.Column("failure_code", sa.String(length=100), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("received_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_parked_status_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_parked_status_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parked_status")),
    )
    with op.batch_alter_table("parked_status", schema=None) as batch_op:
        batch_op.create_index(
            "ix_parked_status_provider_id", ["channel_id", "provider_message_id"], unique=False
        )
        batch_op.create_index("ix_parked_status_received", ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("parked_status", schema=None) as batch_op:
        batch_op.drop_index("ix_parked_status_received")
        batch_op.drop_index("ix_parked_status_provider_id")
    op.drop_table("parked_status")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_claim")
        batch_op.drop_column("priority")
