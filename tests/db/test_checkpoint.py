"""SQLite's WAL checkpoints run on the checkpointer's thread after commits, not inside them."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

from hubbub.db.checkpoint import Checkpointer
from hubbub.db.migrate import upgrade
from hubbub.db.uow import Database
from tests.db.rows import insert_workspace


async def test_commits_are_checkpointed_by_the_checkpointer(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(database)
    checkpointer = database.checkpointer
    assert checkpointer is not None
    for _ in range(3):
        async with database.transaction() as session:
            await insert_workspace(session)
        await asyncio.sleep(0.3)  # past the checkpointer's interval
    await database.dispose()  # waits for a running checkpoint
    assert checkpointer.checkpoints >= 2
    # Everything the log held is in the database file: a reader without the log sees it.
    with sqlite3.connect(path) as plain:
        busy, log_frames, checkpointed = plain.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0
    assert checkpointed == log_frames


class HeldCheckpointer(Checkpointer):
    """A checkpointer whose first checkpoint waits for ``release``: the burst a test makes
    then surely arrives while it runs, however the threads are scheduled."""

    def __init__(self, path: str, *, interval_s: float) -> None:
        super().__init__(path, interval_s=interval_s)
        self.release = threading.Event()

    def _checkpoint(self) -> None:
        self.release.wait(timeout=10)
        super()._checkpoint()


def test_a_burst_of_commits_gets_one_checkpoint_now_and_one_after_its_last_commit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "burst.db"
    sqlite3.connect(path).execute("PRAGMA journal_mode=WAL").close()
    checkpointer = HeldCheckpointer(str(path), interval_s=0.2)
    for _ in range(5):
        checkpointer.after_commit()
    checkpointer.release.set()
    time.sleep(0.6)  # past the interval: the trailing checkpoint has run
    assert checkpointer.checkpoints == 2
    checkpointer.after_commit()  # a commit long after: checkpointed as well
    checkpointer.close()
    assert checkpointer.checkpoints == 3
