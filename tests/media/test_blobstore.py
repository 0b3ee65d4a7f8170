from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hubbub.errors import NotFound, PayloadTooLarge
from hubbub.media.blobstore import LocalBlobStore, single_chunk


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def read_all(store: LocalBlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.open(key)])


async def test_put_stream_counts_hashes_and_stores(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    blob = await store.put_stream("ws/file-1", chunks(b"hello ", b"world"))
    assert blob.size == 11
    assert blob.checksum == hashlib.sha256(b"hello world").hexdigest()
    assert await read_all(store, "ws/file-1") == b"hello world"


async def test_over_the_limit_stores_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(PayloadTooLarge):
        await store.put_stream("ws/big", chunks(b"12345", b"67890"), max_bytes=7)
    assert list((tmp_path / "ws").iterdir()) == []
    with pytest.raises(NotFound):
        store.open("ws/big")


async def test_delete_removes_the_file(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    await store.put_stream("ws/gone", single_chunk(b"x"))
    await store.delete("ws/gone")
    with pytest.raises(NotFound):
        store.open("ws/gone")
    await store.delete("ws/gone")  # deleting twice is harmless


@pytest.mark.parametrize("key", ["../escape", "ws/../../etc", "/abs/path", "ws/a/b", ""])
async def test_keys_cannot_leave_the_root(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="not a blob key"):
        await LocalBlobStore(tmp_path).put_stream(key, single_chunk(b"x"))
