"""Media: uploaded files with content type, size and SHA-256 checksum, kept in a blob store.

Two ways in: ``store_bytes`` for bytes already in hand (a dialect's base64 payload, an e-mail
attachment), and a presigned upload (``presign`` writes a pending row and a signed form; the
public upload route streams the file with ``receive_upload`` and finishes with
``complete_upload``). The stream is written to the blob store outside any database
transaction, so a slow upload never holds the (SQLite) write lock.

The service needs the app secret and the blob store: ``configure(settings)`` sets them (the
app does on start); until then they come from the environment's ``Settings()``, which is what
a worker process sharing the data directory sees too.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from hubbub.channels.service import channel as channel_service
from hubbub.config import Settings
from hubbub.db.uow import Session
from hubbub.errors import Conflict, Forbidden, NotFound, UnprocessableEntity
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.ids import new_id
from hubbub.kit.signing import Secret
from hubbub.media import signing
from hubbub.media.blobstore import BlobStore, LocalBlobStore, single_chunk
from hubbub.media.channel_limits import check_size, matches, max_bytes_for
from hubbub.media.repository import MediaRepository
from hubbub.media.schemas import (
    Media,
    PresignedUpload,
    PresignRequest,
    StoredBlob,
    UploadForm,
    normalize_content_type,
)

UPLOAD_PATH = "/media/upload"
DOWNLOAD_PATH = "/media/{media_id}/content"
UPLOAD_FORM_LIFETIME = timedelta(hours=1)
# Long enough for a message sent with the link to be delivered and read.
DOWNLOAD_LINK_LIFETIME = timedelta(days=7)
FALLBACK_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class MediaConfig:
    secret: Secret
    blobs: BlobStore
    max_upload_bytes: int
    # Where clients reach this Hubbub, for links made outside a request (inbound email).
    public_base_url: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaConfig:
        root = settings.media_dir or settings.data_dir / "media"
        base = settings.public_base_url or f"http://{settings.host}:{settings.port}"
        return cls(settings.resolved_secret, LocalBlobStore(root), settings.max_upload_bytes, base)


class MediaService:
    def __init__(self) -> None:
        self._config: MediaConfig | None = None

    def configure(self, settings: Settings) -> None:
        self._config = MediaConfig.from_settings(settings)

    @property
    def config(self) -> MediaConfig:
        if self._config is None:
            self._config = MediaConfig.from_settings(Settings())
        return self._config

    async def store_bytes(
        self,
        session: Session,
        workspace_id: str,
        *,
        data: bytes,
        content_type: str,
        filename: str | None = None,
        channel_id: str | None = None,
    ) -> Media:
        """Store bytes in hand as a ready media row, within the channel's limits. The file is
        removed again if ``session``'s transaction does not commit."""
        normalized = _content_type(content_type)
        limit = await self._limit(session, workspace_id, channel_id, normalized)
        check_size(len(data), limit)
        blob = await self.config.blobs.put_stream(
            _storage_key(workspace_id, new_id()), single_chunk(data)
        )
        return await self.record_blob(
            session,
            workspace_id,
            blob,
            content_type=normalized,
            filename=filename,
            channel_id=channel_id,
        )

    async def store_stream(
        self, workspace_id: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None = None
    ) -> StoredBlob:
        """Stream a file into the blob store, outside any transaction (a download from a
        provider); PayloadTooLarge past ``max_bytes`` (default: the upload limit). Record it with
        ``record_blob``, or drop it with ``discard_blob``."""
        limit = self.config.max_upload_bytes if max_bytes is None else max_bytes
        key = _storage_key(workspace_id, new_id())
        return await self.config.blobs.put_stream(key, chunks, max_bytes=limit)

    async def record_blob(
        self,
        session: Session,
        workspace_id: str,
        blob: StoredBlob,
        *,
        content_type: str,
        filename: str | None = None,
        channel_id: str | None = None,
    ) -> Media:
        """A ready media row for a stored blob. Should the transaction not commit, the blob is
        deleted (nothing else would ever reference it)."""
        session.after_rollback(lambda: self.config.blobs.delete(blob.key))
        now = utcnow()
        row = Media(
            id=_media_id_of(blob.key),
            workspace_id=workspace_id,
            channel_id=channel_id,
            status="ready",
            filename=_filename(filename),
            content_type=normalize_content_type(content_type) or FALLBACK_CONTENT_TYPE,
            size=blob.size,
            checksum=blob.checksum,
            storage_key=blob.key,
            created_at=now,
            updated_at=now,
        )
        await MediaRepository(session).insert(row)
        return row

    async def presign(
        self,
        session: Session,
        workspace_id: str,
        data: PresignRequest,
        *,
        expires_in: timedelta = UPLOAD_FORM_LIFETIME,
    ) -> PresignedUpload:
        """A pending media row and the signed form that uploads its file."""
        limit = await self._limit(session, workspace_id, data.channel_id, data.content_type)
        if data.size is not None:
            check_size(data.size, limit)
        now = utcnow()
        row = Media(
            id=new_id(),
            workspace_id=workspace_id,
            channel_id=data.channel_id,
            status="pending",
            filename=data.filename,
            content_type=data.content_type,
            created_at=now,
            updated_at=now,
        )
        await MediaRepository(session).insert(row)
        form = UploadForm(
            media_id=row.id,
            workspace_id=workspace_id,
            expires_at=now + expires_in,
            max_size=data.size or limit,
            content_types=[data.content_type],
        )
        fields = signing.upload_form_fields(self.config.secret, form)
        return PresignedUpload(
            media=row, upload_path=UPLOAD_PATH, form_data=fields, expires_at=form.expires_at
        )

    def read_upload_form(self, fields: dict[str, str]) -> UploadForm:
        return signing.read_upload_form(self.config.secret, fields, now=utcnow())

    async def pending_upload(self, session: Session, form: UploadForm) -> Media:
        """The row a checked form uploads into; Conflict once its file is in."""
        found = await self.get_or_raise(session, form.workspace_id, form.media_id)
        if found.status != "pending":
            raise Conflict("this upload form has been used already; ask for a new one")
        return found

    def check_upload_type(self, form: UploadForm, content_type: str | None) -> str:
        normalized = normalize_content_type(content_type or "")
        if normalized is None or not any(matches(p, normalized) for p in form.content_types):
            allowed = ", ".join(form.content_types)
            raise UnprocessableEntity(
                f"the file's content type must be {allowed}, not '{content_type or 'none'}'",
                field="file",
            )
        return normalized

    async def receive_upload(self, form: UploadForm, chunks: AsyncIterable[bytes]) -> StoredBlob:
        """Stream the file into the blob store (no transaction needed); PayloadTooLarge as
        soon as it passes the form's limit. Each upload gets its own key, so a losing
        concurrent upload never overwrites the winner's file."""
        key = _storage_key(form.workspace_id, f"{form.media_id}.{new_id()}")
        limit = min(form.max_size, self.config.max_upload_bytes)
        return await self.config.blobs.put_stream(key, chunks, max_bytes=limit)

    async def complete_upload(
        self,
        session: Session,
        media: Media,
        blob: StoredBlob,
        *,
        content_type: str,
        filename: str | None,
    ) -> Media:
        """Make the pending row ready; Conflict (and the blob dropped) when another upload
        completed it first."""
        values: dict[str, Any] = {
            "status": "ready",
            "size": blob.size,
            "checksum": blob.checksum,
            "storage_key": blob.key,
            "content_type": content_type,
            "filename": media.filename or _filename(filename),
            "updated_at": utcnow(),
        }
        repository = MediaRepository(session)
        if not await repository.complete_pending(media.workspace_id, media.id, values):
            await self.config.blobs.delete(blob.key)
            raise Conflict("this upload form has been used already; ask for a new one")
        return media.model_copy(update=values)

    async def discard_blob(self, blob: StoredBlob) -> None:
        await self.config.blobs.delete(blob.key)

    async def get(self, session: Session, workspace_id: str, media_id: str) -> Media | None:
        return await MediaRepository(session).get(workspace_id, media_id)

    async def get_or_raise(self, session: Session, workspace_id: str, media_id: str) -> Media:
        found = await self.get(session, workspace_id, media_id)
        if found is None:
            raise NotFound("media", media_id)
        return found

    def download_url(
        self, media: Media, *, base_url: str = "", expires_in: timedelta = DOWNLOAD_LINK_LIFETIME
    ) -> str:
        """A signed link to the file that needs no access key, valid for ``expires_in``."""
        expires = (to_micros(utcnow() + expires_in)) // 1_000_000
        signature = signing.download_signature(
            self.config.secret, media.workspace_id, media.id, expires
        )
        query = urlencode(
            {"workspace_id": media.workspace_id, "expires": expires, "signature": signature}
        )
        path = DOWNLOAD_PATH.format(media_id=media.id)
        return f"{base_url.rstrip('/')}{path}?{query}"

    def check_download(
        self, media_id: str, *, workspace_id: str, expires: str, signature: str
    ) -> None:
        """Forbidden unless the link is ours and unexpired."""
        signing.check_download(
            self.config.secret,
            workspace_id=workspace_id,
            media_id=media_id,
            expires=expires,
            signature=signature,
            now=utcnow(),
        )

    def media_ref(self, url: str) -> tuple[str, str] | None:
        """``(workspace_id, media_id)`` when ``url`` is one of our download links (its expiry
        aside), so delivery can read the file directly instead of over HTTP."""
        parts = urlsplit(url)
        _, _, rest = parts.path.rpartition("/media/")
        media_id, _, tail = rest.partition("/")
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if tail != "content" or not media_id:
            return None
        try:
            signing.check_download(
                self.config.secret,
                workspace_id=query.get("workspace_id", ""),
                media_id=media_id,
                expires=query.get("expires", ""),
                signature=query.get("signature", ""),
                now=None,
            )
        except Forbidden:
            return None
        return query["workspace_id"], media_id

    def open_stream(self, media: Media) -> AsyncIterator[bytes]:
        """The file's bytes in chunks; NotFound while it has not been uploaded."""
        if media.status != "ready" or media.storage_key is None:
            raise NotFound("media file", media.id)
        return self.config.blobs.open(media.storage_key)

    async def read_bytes(self, media: Media) -> bytes:
        return b"".join([chunk async for chunk in self.open_stream(media)])

    async def open_bytes(
        self, session: Session, workspace_id: str, media_id: str
    ) -> tuple[Media, bytes]:
        """The media row and its whole file, for connectors that attach it (e-mail)."""
        found = await self.get_or_raise(session, workspace_id, media_id)
        return found, await self.read_bytes(found)

    async def _limit(
        self, session: Session, workspace_id: str, channel_id: str | None, content_type: str
    ) -> int:
        platform = None
        if channel_id is not None:
            found = await channel_service.get_or_raise(session, workspace_id, channel_id)
            platform = found.platform
        return max_bytes_for(platform, content_type, self.config.max_upload_bytes)


def _content_type(value: str) -> str:
    normalized = normalize_content_type(value)
    if normalized is None:
        raise UnprocessableEntity(
            "a content type reads 'type/subtype', e.g. 'image/png'", field="content_type"
        )
    return normalized


def _filename(value: str | None) -> str | None:
    """A client's file name, without any directory part and cut to what the column holds."""
    if not value:
        return None
    name = value.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or None


def _storage_key(workspace_id: str, name: str) -> str:
    return f"{workspace_id}/{name}"


def _media_id_of(key: str) -> str:
    """A stored-bytes blob is keyed by its media row's id (``<workspace id>/<media id>``)."""
    return key.rpartition("/")[2]


media = MediaService()
