"""The instance secret: made once per data dir, whatever the number of processes starting at
once, private to its owner, never empty; rotated without invalidating what it signed."""

from __future__ import annotations

import multiprocessing
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hubbub.config import SECRET_FILE_NAME, EmptySecret, Settings, load_or_create_secret
from hubbub.kit.clock import utcnow
from hubbub.kit.cursors import Cursor, CursorCodec


def _report_secret(data_dir: str, start: Any, results: Any) -> None:
    start.wait()
    results.put(load_or_create_secret(Path(data_dir)))


def test_processes_starting_at_once_share_one_secret(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [
        context.Process(target=_report_secret, args=(str(tmp_path), start, results))
        for _ in range(8)
    ]
    for process in processes:
        process.start()
    start.set()
    found = {results.get(timeout=60) for _ in processes}
    for process in processes:
        process.join(timeout=60)
    assert len(found) == 1
    (secret,) = found
    assert len(secret) >= 32
    path = tmp_path / SECRET_FILE_NAME
    assert path.read_text() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE_NAME]  # no drafts left


def test_an_empty_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE_NAME).write_text("\n")
    with pytest.raises(EmptySecret, match="HUBBUB_SECRET"):
        load_or_create_secret(tmp_path)


def test_a_rotated_secret_still_reads_what_the_old_one_signed(tmp_path: Path) -> None:
    before = CursorCodec(Settings(data_dir=tmp_path, secret="old-secret").resolved_secret)
    token = before.encode(Cursor(1, "row", "asc"))
    rotated = Settings(
        data_dir=tmp_path,
        secret="new-secret",
        previous_secrets="older-secret, old-secret",
        previous_secrets_until=utcnow() + timedelta(days=7),
    )
    after = CursorCodec(rotated.resolved_secret)
    assert after.decode(token) == Cursor(1, "row", "asc")
    assert after.encode(Cursor(1, "row", "asc")) != token  # the new secret signs
    without_grace = CursorCodec(Settings(data_dir=tmp_path, secret="new-secret").resolved_secret)
    with pytest.raises(Exception, match="altered"):
        without_grace.decode(token)
