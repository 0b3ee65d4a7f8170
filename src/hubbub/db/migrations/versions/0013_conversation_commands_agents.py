"""conversation commands and agents (assignment, snooze expiry)

- ``agent``: the people who answer conversations (name, e-mail unique per workspace, role,
  status).
- ``conversation.assignee_id`` (the agent answering it; SET NULL when the agent goes) and
  ``conversation.snoozed_until`` (when a snoozed conversation reopens by itself), with
  ``ix_conversation_assignee_created`` for the assignee filter; ``conversation.status_changed_at``
  (when it was last opened, closed or snoozed; existing rows get their ``updated_at``).
- Channel.io kept a snooze's end as the attribute ``channelio.snoozedUntil`` (epoch millis) and
  nothing woke the chat: a snoozed conversation with it gets ``snoozed_until`` and an expiry
  job, and loses the attribute.

On SQLite the columns are added and dropped with plain ``ALTER TABLE``: a batch copy would drop
the old table, and with foreign keys on, its DROP would cascade to every message. ``ADD COLUMN``
can only declare the foreign key inline, which SQLAlchemy reflects without its name and its
``ON DELETE``; the stored ``CREATE TABLE`` is then rewritten to declare it as a table constraint,
the same constraint in the form every other table uses (SQLite's documented procedure for
changing a constraint: ``writable_schema``, then a new ``schema_version``; the column is new and
all null, so no row can break it).

Revision ID: 0013
Revises: 0012
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.ids import new_id

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: a migration must not change when the application does.
LEGACY_SNOOZED_UNTIL = "channelio.snoozedUntil"
EXPIRY_JOB = "conversation.unsnooze"
EXPIRY_PRIORITY = 10
EXPIRY_MAX_ATTEMPTS = 8
FK_NAME = "fk_conversation_assignee_id_agent"
INDEX_NAME = "ix_conversation_assignee_created"


def upgrade() -> None:
    _create_agent()
    _add_conversation_columns()
    _move_channelio_snoozes()


def downgrade() -> None:
    op.drop_index(INDEX_NAME, table_name="conversation")
    if op.get_bind().dialect.name == "sqlite":
        _drop_table_fk()
        op.execute("ALTER TABLE conversation DROP COLUMN status_changed_at")
        op.execute("ALTER TABLE conversation DROP COLUMN snoozed_until")
        op.execute("ALTER TABLE conversation DROP COLUMN assignee_id")
    else:
        op.drop_constraint(FK_NAME, "conversation", type_="foreignkey")
        op.drop_column("conversation", "status_changed_at")
        op.drop_column("conversation", "snoozed_until")
        op.drop_column("conversation", "assignee_id")
    op.execute(sa.text("DELETE FROM job WHERE kind = :kind").bindparams(kind=EXPIRY_JOB))
    op.drop_table("agent")


def _create_agent() -> None:
    op.create_table(
        "agent",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_agent_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent")),
        sa.UniqueConstraint("workspace_id", "email", name="uq_agent_workspace_email"),
    )
    op.create_index(
        "ix_agent_workspace_created", "agent", ["workspace_id", "created_at", "id"], unique=False
    )


def _add_conversation_columns() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE conversation ADD COLUMN assignee_id VARCHAR(36) {INLINE_FK}")
        op.execute("ALTER TABLE conversation ADD COLUMN snoozed_until BIGINT")
        op.execute("ALTER TABLE conversation ADD COLUMN status_changed_at BIGINT")
        _declare_inline_fk_as_table_constraint()
    else:
        op.add_column("conversation", sa.Column("assignee_id", sa.String(36), nullable=True))
        op.add_column("conversation", sa.Column("snoozed_until", sa.BigInteger(), nullable=True))
        op.add_column(
            "conversation", sa.Column("status_changed_at", sa.BigInteger(), nullable=True)
        )
        op.create_foreign_key(
            FK_NAME, "conversation", "agent", ["assignee_id"], ["id"], ondelete="SET NULL"
        )
    op.execute("UPDATE conversation SET status_changed_at = updated_at")
    op.create_index(INDEX_NAME, "conversation", ["assignee_id", "created_at", "id"], unique=False)


INLINE_FK = f"CONSTRAINT {FK_NAME} REFERENCES agent (id) ON DELETE SET NULL"
TABLE_FK = f"CONSTRAINT {FK_NAME} FOREIGN KEY(assignee_id) REFERENCES agent (id) ON DELETE SET NULL"


def _declare_inline_fk_as_table_constraint() -> None:
    def rewrite(sql: str) -> str:
        head, closing, _ = sql.rpartition(")")
        return head.replace(f" {INLINE_FK}", "").rstrip() + f",\n\t{TABLE_FK}\n" + closing

    _rewrite_conversation_table(rewrite)


def _drop_table_fk() -> None:
    """Before its column can go (SQLite refuses to drop a column a constraint names)."""
    _rewrite_conversation_table(lambda sql: sql.replace(f",\n\t{TABLE_FK}", ""))


def _rewrite_conversation_table(rewrite: Callable[[str], str]) -> None:
    bind = op.get_bind()
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'conversation'")
    ).scalar_one()
    rewritten = rewrite(sql)
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'conversation'"
        ).bindparams(sql=rewritten)
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


_json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
conversation = sa.table(
    "conversation",
    sa.column("id", sa.String()),
    sa.column("workspace_id", sa.String()),
    sa.column("status", sa.String()),
    sa.column("attributes", _json),
    sa.column("snoozed_until", sa.BigInteger()),
)
job = sa.table(
    "job",
    *(sa.column(name, sa.String()) for name in ("id", "workspace_id", "kind", "target_id")),
    sa.column("status", sa.String()),
    sa.column("errors", _json),
    *(
        sa.column(name, sa.BigInteger())
        for name in ("run_at", "priority", "attempts", "max_attempts", "created_at", "updated_at")
    ),
)


def _move_channelio_snoozes() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(conversation.c.id, conversation.c.workspace_id, conversation.c.attributes).where(
            conversation.c.status == "snoozed"
        )
    ).all()
    now = to_micros(utcnow())
    for conversation_id, workspace_id, attributes in rows:
        attributes = _as_dict(attributes)
        until = attributes.pop(LEGACY_SNOOZED_UNTIL, None)
        if not isinstance(until, int):
            continue
        bind.execute(
            conversation.update()
            .where(conversation.c.id == conversation_id)
            .values(snoozed_until=until * 1000, attributes=attributes)
        )
        bind.execute(job.insert().values(**_expiry_job(workspace_id, conversation_id, until, now)))


def _as_dict(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return dict(loaded) if isinstance(loaded, dict) else {}


def _expiry_job(workspace_id: str, conversation_id: str, until_ms: int, now: int) -> dict[str, Any]:
    return {
        "id": new_id(),
        "workspace_id": workspace_id,
        "kind": EXPIRY_JOB,
        "target_id": conversation_id,
        "status": "pending",
        "run_at": until_ms * 1000,
        "priority": EXPIRY_PRIORITY,
        "attempts": 0,
        "max_attempts": EXPIRY_MAX_ATTEMPTS,
        "errors": [],
        "created_at": now,
        "updated_at": now,
    }
