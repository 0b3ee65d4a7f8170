"""SQLite's WAL checkpoints, run on a thread of their own instead of inside a COMMIT.

By default the COMMIT that takes the write-ahead log past 1,000 pages copies the log back
into the database file and syncs it, on the thread that committed: here the event loop's,
which serves every request. That was a fifth of the cost of a group COMMIT (measured) and,
with its fsync, a pause for every request in flight. Hubbub's connections instead set the
automatic checkpoint far higher (``SQLITE_PRAGMAS``, a bound for a process that never runs
this) and the ``Checkpointer`` runs a PASSIVE checkpoint, which never waits for readers or
writers, on its own thread and connection at most every ``interval_s`` after a commit.
sqlite3 releases the GIL while SQLite works, so the copy runs beside the event loop.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Engine

log = logging.getLogger(__name__)

INTERVAL_S = 0.25
BUSY_TIMEOUT_MS = 10_000


class Checkpointer:
    def __init__(self, path: str, *, interval_s: float = INTERVAL_S) -> None:
        self._path = path
        self._interval_s = interval_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hubbub-checkpoint")
        self._connection: sqlite3.Connection | None = None
        self._running: Future[None] | None = None
        self._last = 0.0
        self.checkpoints = 0  # for tests and metrics

    def after_commit(self) -> None:
        """Called on the committing thread: start a checkpoint unless one runs or ran lately."""
        if self._running is not None and not self._running.done():
            return
        now = time.monotonic()
        if now - self._last < self._interval_s:
            return
        self._last = now
        self._running = self._executor.submit(self._checkpoint)

    def close(self) -> None:
        """Wait for a running checkpoint, then close the connection."""
        self._executor.submit(self._close)
        self._executor.shutdown(wait=True)

    def _checkpoint(self) -> None:
        try:
            if self._connection is None:
                self._connection = sqlite3.connect(self._path, isolation_level=None)
                self._connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.checkpoints += 1
        except sqlite3.Error:  # the next commit's checkpoint, or SQLite's own, will do it
            log.exception("WAL checkpoint failed")

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def checkpointer_for(engine: Engine) -> Checkpointer | None:
    """A checkpointer for an engine's database file; None for an in-memory database."""
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Checkpointer(path)
