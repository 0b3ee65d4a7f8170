"""delivery: provider message ids on messages

The delivery runner stores the id a provider gave a sent message, and status callbacks find the
message by it (per workspace), so the column gets an index on ``(workspace_id,
provider_message_id)``. The job table already has the runner's lease columns.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_message_id", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_message_provider_id", ["workspace_id", "provider_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_provider_id")
        batch_op.drop_column("provider_message_id")
