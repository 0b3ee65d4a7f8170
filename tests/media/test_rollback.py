"""A file written for a media row is removed when the row's transaction does not commit: when
the insert itself fails, and when something later in the same transaction fails. A committed
upload keeps its file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from hubbub.db.uow import Database
from hubbub.kit.ids import new_id
from hubbub.media.service import media as media_service
from tests.conftest import WorkspaceFixture


class Boom(Exception):
    pass


def files_of(workspace_id: str) -> list[Path]:
    root = media_service.config.blobs.root  # type: ignore[attr-defined]
    folder = Path(root) / workspace_id
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.exists() else []


async def test_a_failed_insert_leaves_no_file(database: Database) -> None:
    unknown_workspace = new_id()  # the row's foreign key fails: the file was written already
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await media_service.store_bytes(
                session, unknown_workspace, data=b"orphan?", content_type="text/plain"
            )
    assert files_of(unknown_workspace) == []


async def store_then_fail(database: Database, workspace_id: str, seen: list[str]) -> None:
    async with database.transaction() as session:
        stored = await media_service.store_bytes(
            session, workspace_id, data=b"rolled back", content_type="text/plain"
        )
        seen.append(stored.id)
        raise Boom


async def test_a_transaction_failing_after_the_insert_leaves_no_file(
    database: Database, workspace: WorkspaceFixture
) -> None:
    before = files_of(workspace.id)
    seen: list[str] = []
    with pytest.raises(Boom):
        await store_then_fail(database, workspace.id, seen)
    assert files_of(workspace.id) == before
    async with database.read() as session:
        assert await media_service.get(session, workspace.id, seen[0]) is None


async def test_a_committed_upload_keeps_its_file(
    database: Database, workspace: WorkspaceFixture
) -> None:
    async with database.transaction() as session:
        stored = await media_service.store_bytes(
            session, workspace.id, data=b"kept", content_type="text/plain"
        )
    async with database.read() as session:
        found, data = await media_service.open_bytes(session, workspace.id, stored.id)
    assert data == b"kept"
    assert found.storage_key is not None
    assert any(p.name == found.storage_key.rpartition("/")[2] for p in files_of(workspace.id))
