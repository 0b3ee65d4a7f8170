"""Files the simulators hand out the way their providers do, for inbound media.

``MediaLibrary.add`` keeps bytes under a new id; each simulator mounts routes that serve them
behind its own credentials (WhatsApp: a media object then a download URL, both with the bearer
token; Twilio: the MMS media URL with HTTP basic auth)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StoredMedia:
    id: str
    data: bytes
    mime_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class MediaLibrary:
    files: dict[str, StoredMedia] = field(default_factory=dict)
    # How often each file was downloaded (the bytes, not the metadata).
    downloads: dict[str, int] = field(default_factory=dict)

    def add(self, data: bytes, mime_type: str, *, prefix: str = "") -> StoredMedia:
        media = StoredMedia(prefix + secrets.token_hex(8), data, mime_type)
        self.files[media.id] = media
        return media

    def get(self, media_id: str) -> StoredMedia | None:
        return self.files.get(media_id)

    def served(self, media_id: str) -> StoredMedia | None:
        """The file, counted as downloaded."""
        found = self.files.get(media_id)
        if found is not None:
            self.downloads[media_id] = self.downloads.get(media_id, 0) + 1
        return found
