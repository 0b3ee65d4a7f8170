"""message templates (Recrubo dialect)

Adds ``message_template``: per workspace, a named and localized template whose components
(header, body, footer, buttons) hold text with ``{{n}}`` placeholders.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_template",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=True),
        sa.Column("channel_id", sa.String(length=36), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "components",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_message_template_channel_id_channel"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_message_template_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_template")),
    )
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_template_workspace_created",
            ["workspace_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_message_template_workspace_name",
            ["workspace_id", "name", "language"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("message_template", schema=None) as batch_op:
        batch_op.drop_index("ix_message_template_workspace_name")
        batch_op.drop_index("ix_message_template_workspace_created")
    op.drop_table("message_template")
