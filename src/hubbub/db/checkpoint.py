"""SQLite's WAL checkpoints, run on a thread of their own instead of inside a COMMIT.

By default the COMMIT that takes the write-ahead log past 1,000 pages copies the log back
into the database file and syncs it, on the thread that committed: here the event loop's,
which serves every request. That was a fifth of the cost of a group COMMIT (measured) and,
with its fsync, a pause for every request in flight. Hubbub's connections instead set the
automatic checkpoint far higher (``SQLITE_PRAGMAS``, a bound for a process that never runs
this) and the ``Checkpointer`` runs a PASSIVE checkpoint, which never waits for readers or
writers, on its own thread and connection: after a commit, at most one per ``interval_s``,
and always one after the last commit of a burst. That last one matters: a log left holding
the newest pages makes every reader fetch them from it with a system call each (the database
file itself is memory-mapped), which doubled the time of a first page of 50 (measured).
sqlite3 releases the GIL while SQLite works, so the copy runs beside the event loop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

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
        self._lock = threading.Lock()
        self._running = False  # a run is scheduled or under way on the thread
        self._pending = False  # a commit came after the running checkpoint began
        self._closed = False
        self._last = 0.0  # time.monotonic() of the last checkpoint's start
        self.checkpoints = 0  # for tests and metrics

    def after_commit(self) -> None:
        """Called after each COMMIT: start a checkpoint, or, while one is scheduled or runs,
        ask for one more after it."""
        with self._lock:
            if self._running:
                self._pending = True
                return
            self._running = True
        self._executor.submit(self._run)

    def close(self) -> None:
        """Let a running checkpoint finish, then close the connection."""
        with self._lock:
            self._closed = True
        self._executor.submit(self._close)
        self._executor.shutdown(wait=True)

    def _run(self) -> None:
        while True:
            # At most one per interval: checkpoints close together copy the same hot pages.
            time.sleep(max(0.0, self._last + self._interval_s - time.monotonic()))
            self._last = time.monotonic()
            self._checkpoint()
            with self._lock:
                if not self._pending or self._closed:
                    self._running = False
                    return
                self._pending = False

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
