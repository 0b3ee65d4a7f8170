"""SQLite's full-text index is written once per COMMIT, not once per message.

An FTS5 insert made row by row (a trigger on ``message``) cost about 60 µs a message, half of
the message INSERT and a tenth of a whole create; the same rows taken by one statement per
commit cost under 10 µs each (measured at 30 messages a commit). So the group-commit writer
(``hubbub.db.group_commit``) indexes, right before each COMMIT, every message above the
highest rowid the index holds. Nothing can see a message before its COMMIT, so nothing can
see it unindexed.

The invariant that makes this safe: the index holds exactly the messages whose rowid is at
most the highest rowid it holds (its ``docsize`` table's largest id). New rows always get a
rowid above every existing one, so they are above it; the triggers that delete or re-index a
message on DELETE and UPDATE act only on rows at or below it (migration 0012), so a message
deleted or edited before it was indexed never reaches FTS5, which corrupts an external-content
index when asked to delete what it never held.
"""

from __future__ import annotations

from typing import Any

INDEX_NEW_MESSAGES = (
    "INSERT INTO message_fts(rowid, subject, text) "
    "SELECT rowid, subject, text FROM message "
    "WHERE rowid > (SELECT coalesce(max(id), 0) FROM message_fts_docsize)"
)


def index_new_messages(driver: Any) -> None:
    """Index the messages written since the last time (``driver``: a ``sqlite3`` connection
    inside the transaction about to commit)."""
    driver.execute(INDEX_NEW_MESSAGES)
