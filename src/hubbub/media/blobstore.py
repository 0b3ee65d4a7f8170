"""Where media bytes live. A small protocol (``put_stream``, ``open``, ``delete``) so another
store (S3 and the like) can take the local folder's place.

The local store writes a stream to a temporary file while hashing and counting it, and renames
it into place only when complete: a reader never sees half a file, and an aborted upload leaves
nothing behind. Chunks are written on the event loop's thread: a local write of one network
chunk takes microseconds, less than handing it to a worker thread would.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

from hubbub.errors import NotFound, PayloadTooLarge
from hubbub.kit.ids import new_id
from hubbub.media.schemas import StoredBlob

CHUNK_SIZE = 64 * 1024
# Keys are made by the media service: "<workspace id>/<file name>", nothing that climbs out.
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_.-]{1,128}$")


class BlobStore(Protocol):
    async def put_stream(
        self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None
    ) -> StoredBlob:
        """Store the stream under ``key``; PayloadTooLarge (and nothing stored) past
        ``max_bytes``."""
        ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes in chunks; NotFound when nothing is stored under ``key``."""
        ...

    async def delete(self, key: str) -> None: ...


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or ".." in key:
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / key

    async def put_stream(
        self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None
    ) -> StoredBlob:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{new_id()}.part")
        digest = hashlib.sha256()
        size = 0
        try:
            with partial.open("xb") as handle:
                async for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise PayloadTooLarge(f"the file is larger than {max_bytes} bytes")
                    digest.update(chunk)
                    handle.write(chunk)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return StoredBlob(key=key, size=size, checksum=digest.hexdigest())

    def open(self, key: str) -> AsyncIterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError as error:
            raise NotFound("media file", key) from error
        return _read_chunks(handle)

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


async def _read_chunks(handle: BinaryIO) -> AsyncIterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


async def single_chunk(data: bytes) -> AsyncIterator[bytes]:
    """Bytes already in memory as a stream, for ``put_stream``."""
    yield data
