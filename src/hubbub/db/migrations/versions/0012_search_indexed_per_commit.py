"""search: SQLite indexes new messages once per commit; batch and provider-id indexes partial

SQLite: the per-row insert trigger into FTS5 goes (the group-commit writer indexes every new
message in one statement before each COMMIT, ``hubbub.db.fulltext``: 60 µs a message less).
The delete and update triggers act only on messages the index already holds, that is at or
below its highest rowid, because an external-content FTS5 index must never be asked to delete
a row it does not hold.

Both engines: most messages belong to no batch and, until sent, have no provider id, yet each
paid an entry in those two indexes. They now index only the rows that have one; every query
on them names a value, which implies the index's condition.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = "old.rowid <= (SELECT coalesce(max(id), 0) FROM message_fts_docsize)"
DELETE_OLD = (
    "INSERT INTO message_fts(message_fts, rowid, subject, text) "
    "VALUES ('delete', old.rowid, old.subject, old.text);"
)
INSERT_NEW = (
    "INSERT INTO message_fts(rowid, subject, text) VALUES (new.rowid, new.subject, new.text);"
)
INDEX_UNINDEXED = (
    "INSERT INTO message_fts(rowid, subject, text) SELECT rowid, subject, text FROM message "
    "WHERE rowid > (SELECT coalesce(max(id), 0) FROM message_fts_docsize)"
)
PARTIAL = {"ix_message_batch": "batch_id", "ix_message_provider_id": "provider_message_id"}


def upgrade() -> None:
    for name, column in PARTIAL.items():
        op.drop_index(name, table_name="message")
        op.create_index(
            name,
            "message",
            ["workspace_id", column],
            sqlite_where=_not_null(column),
            postgresql_where=_not_null(column),
        )
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("message_fts_ai", "message_fts_ad", "message_fts_au"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute(
        f"CREATE TRIGGER message_fts_ad AFTER DELETE ON message WHEN {INDEXED} "
        f"BEGIN {DELETE_OLD} END"
    )
    op.execute(
        f"CREATE TRIGGER message_fts_au AFTER UPDATE OF subject, text ON message WHEN {INDEXED} "
        f"BEGIN {DELETE_OLD} {INSERT_NEW} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(INDEX_UNINDEXED)
        for trigger in ("message_fts_ad", "message_fts_au"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute(f"CREATE TRIGGER message_fts_ai AFTER INSERT ON message BEGIN {INSERT_NEW} END")
        op.execute(f"CREATE TRIGGER message_fts_ad AFTER DELETE ON message BEGIN {DELETE_OLD} END")
        op.execute(
            "CREATE TRIGGER message_fts_au AFTER UPDATE OF subject, text ON message "
            f"BEGIN {DELETE_OLD} {INSERT_NEW} END"
        )
    for name, column in PARTIAL.items():
        op.drop_index(name, table_name="message")
        op.create_index(name, "message", ["workspace_id", column])


def _not_null(column: str) -> sa.TextClause:
    return sa.text(f"{column} IS NOT NULL")
