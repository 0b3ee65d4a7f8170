"""Media over the native API: a presigned upload form, and a file's metadata with a signed
download link. The upload and download themselves are public routes
(``hubbub.api.media_routes``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from hubbub.api.native.deps import Reader, ReadSession, Writer, WriteSession
from hubbub.media.schemas import Media, MediaStatus, PresignRequest
from hubbub.media.service import media as media_service

router = APIRouter(tags=["media"])


class PresignResponse(BaseModel):
    media_id: str
    upload_url: str
    upload_method: Literal["POST"] = "POST"
    upload_form_data: dict[str, str]
    media_url: str
    expires_at: datetime


class MediaView(BaseModel):
    id: str
    channel_id: str | None
    status: MediaStatus
    filename: str | None
    content_type: str
    size: int | None
    checksum: str | None
    # A signed link to the file, once it is uploaded.
    url: str | None
    created_at: datetime
    updated_at: datetime


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def media_view(found: Media, request: Request) -> MediaView:
    ready = found.status == "ready"
    return MediaView(
        **found.model_dump(exclude={"workspace_id", "storage_key"}),
        url=media_service.download_url(found, base_url=base_url(request)) if ready else None,
    )


@router.post("/media/presign", status_code=201)
async def presign_upload(
    request: Request, data: PresignRequest, actor: Writer, session: WriteSession
) -> PresignResponse:
    """A form to POST the file to (as multipart/form-data, with the file in ``file``); no
    access key is needed for that upload."""
    presigned = await media_service.presign(session, actor.workspace_id, data)
    root = base_url(request)
    return PresignResponse(
        media_id=presigned.media.id,
        upload_url=root + presigned.upload_path,
        upload_form_data=presigned.form_data,
        media_url=media_service.download_url(presigned.media, base_url=root),
        expires_at=presigned.expires_at,
    )


@router.get("/media/{media_id}")
async def get_media(
    request: Request, media_id: str, actor: Reader, session: ReadSession
) -> MediaView:
    found = await media_service.get_or_raise(session, actor.workspace_id, media_id)
    return media_view(found, request)
