"""Public media routes, outside ``/v1`` and without an access key: the signature in a presigned
form or a download link is the authorization.

``POST /media/upload`` takes the form as real ``multipart/form-data``: the signed fields first,
then the file in ``file``. The file is streamed to the blob store as it arrives and refused
with a 413 as soon as it passes the form's limit. ``GET /media/{id}/content`` streams a file
back for a valid, unexpired signed link.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response, StreamingResponse

from hubbub.api.deps import get_database
from hubbub.api.multipart_stream import read_form
from hubbub.api.routing import add_routes
from hubbub.config import Settings
from hubbub.media.schemas import Media
from hubbub.media.service import DOWNLOAD_PATH, UPLOAD_PATH
from hubbub.media.service import media as media_service

router = APIRouter(tags=["media"])

SignedQuery = Annotated[str, Query(max_length=200)]


@router.post(UPLOAD_PATH, status_code=204)
async def upload_media(request: Request) -> Response:
    """204 once the file is stored (as S3 answers a POST upload)."""
    fields, part, chunks = await read_form(request.headers.get("content-type"), request.stream())
    form = media_service.read_upload_form(fields)
    database = get_database(request)
    async with database.read() as session:
        pending = await media_service.pending_upload(session, form)
    content_type = media_service.check_upload_type(
        form, part.content_type or fields.get("Content-Type")
    )
    blob = await media_service.receive_upload(form, chunks)
    try:
        async with database.transaction() as session:
            await media_service.complete_upload(
                session, pending, blob, content_type=content_type, filename=part.filename
            )
    except BaseException:
        await media_service.discard_blob(blob)
        raise
    return Response(status_code=204)


@router.get(DOWNLOAD_PATH)
async def download_media(
    request: Request,
    media_id: str,
    workspace_id: SignedQuery = "",
    expires: SignedQuery = "",
    signature: SignedQuery = "",
) -> Response:
    media_service.check_download(
        media_id, workspace_id=workspace_id, expires=expires, signature=signature
    )
    async with get_database(request).read() as session:
        found = await media_service.get_or_raise(session, workspace_id, media_id)
    return StreamingResponse(
        media_service.open_stream(found), media_type=found.content_type, headers=_headers(found)
    )


def _headers(found: Media) -> dict[str, str]:
    headers = {"Cache-Control": "private, max-age=3600"}
    if found.size is not None:
        headers["Content-Length"] = str(found.size)
    if found.checksum is not None:
        headers["ETag"] = f'"{found.checksum}"'
    if found.filename:
        # An ASCII fallback plus RFC 5987's UTF-8 form: header values must be Latin-1.
        plain = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in found.filename)
        encoded = quote(found.filename, safe="")
        headers["Content-Disposition"] = f"inline; filename=\"{plain}\"; filename*=UTF-8''{encoded}"
    return headers


def install(app: FastAPI) -> None:
    """Add the public media routes, with the media service set up from the app's settings."""
    settings: Settings = app.state.settings
    media_service.configure(settings)
    add_routes(app, router)
