from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MediaStatus = Literal["pending", "ready"]

MAX_FILENAME = 255
_CONTENT_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")


def normalize_content_type(value: str) -> str | None:
    """``type/subtype`` in lower case without parameters; None when it is not one."""
    essence = value.split(";", 1)[0].strip().lower()
    return essence if _CONTENT_TYPE.match(essence) and len(essence) <= 255 else None


class Media(BaseModel):
    id: str
    workspace_id: str
    channel_id: str | None = None
    status: MediaStatus
    filename: str | None = None
    content_type: str
    size: int | None = None
    # SHA-256 of the bytes, lower-case hex.
    checksum: str | None = None
    storage_key: str | None = None
    created_at: datetime
    updated_at: datetime


class PresignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: Annotated[str, Field(min_length=3, max_length=255)]
    # The file's size when known: the form then accepts no more than that.
    size: Annotated[int | None, Field(ge=1)] = None
    filename: Annotated[str | None, Field(min_length=1, max_length=MAX_FILENAME)] = None
    channel_id: Annotated[str | None, Field(min_length=1, max_length=64)] = None

    @field_validator("content_type")
    @classmethod
    def _content_type(cls, value: str) -> str:
        normalized = normalize_content_type(value)
        if normalized is None:
            raise ValueError("a content type reads 'type/subtype', e.g. 'image/png'")
        return normalized


class UploadForm(BaseModel):
    """What a presigned form allows, once its signature is checked."""

    media_id: str
    workspace_id: str
    expires_at: datetime
    max_size: int
    content_types: list[str]


class PresignedUpload(BaseModel):
    media: Media
    # Relative to the server's base URL; surfaces prefix it.
    upload_path: str
    form_data: dict[str, str]
    expires_at: datetime


class StoredBlob(BaseModel):
    key: str
    size: int
    checksum: str
