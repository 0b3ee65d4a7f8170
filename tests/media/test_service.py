from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from hubbub.db.uow import Session
from hubbub.errors import NotFound, PayloadTooLarge, UnprocessableEntity
from hubbub.media.channel_limits import MB, max_bytes_for
from hubbub.media.schemas import PresignRequest
from hubbub.media.service import media as media_service
from tests.conftest import WorkspaceFixture
from tests.messages.factories import make_channel


async def test_store_bytes_records_size_checksum_and_reads_back(
    session: Session, workspace: WorkspaceFixture
) -> None:
    data = b"%PDF-1.4 not really"
    stored = await media_service.store_bytes(
        session,
        workspace.id,
        data=data,
        content_type="Application/PDF; charset=binary",
        filename="C:\\docs\\offer.pdf",
    )
    assert stored.status == "ready"
    assert stored.size == len(data)
    assert stored.checksum == hashlib.sha256(data).hexdigest()
    assert stored.content_type == "application/pdf"
    assert stored.filename == "offer.pdf"
    found, read = await media_service.open_bytes(session, workspace.id, stored.id)
    assert found == stored
    assert read == data


async def test_media_of_another_workspace_is_not_found(
    session: Session, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    stored = await media_service.store_bytes(
        session, workspace.id, data=b"x", content_type="text/plain"
    )
    with pytest.raises(NotFound):
        await media_service.get_or_raise(session, other_workspace.id, stored.id)


async def test_store_bytes_keeps_channel_limits(
    session: Session, workspace: WorkspaceFixture
) -> None:
    whatsapp = await make_channel(session, workspace.id, "whatsapp")
    with pytest.raises(PayloadTooLarge):
        await media_service.store_bytes(
            session,
            workspace.id,
            data=b"0" * (5 * MB + 1),
            content_type="image/png",
            channel_id=whatsapp.id,
        )
    with pytest.raises(UnprocessableEntity, match="whatsapp"):
        await media_service.store_bytes(
            session, workspace.id, data=b"x", content_type="application/zip", channel_id=whatsapp.id
        )
    with pytest.raises(UnprocessableEntity, match="content type"):
        await media_service.store_bytes(session, workspace.id, data=b"x", content_type="nonsense")


def test_channel_limit_table() -> None:
    server_max = 100 * MB
    assert max_bytes_for("whatsapp", "image/jpeg", server_max) == 5 * MB
    assert max_bytes_for("whatsapp", "video/mp4", server_max) == 16 * MB
    assert max_bytes_for("sms", "image/gif", server_max) == 5 * MB
    assert max_bytes_for("email", "application/zip", server_max) == 25 * MB
    assert max_bytes_for(None, "application/zip", server_max) == server_max
    assert max_bytes_for("sandbox", "anything/else", server_max) == server_max
    assert max_bytes_for("email", "text/plain", 1 * MB) == 1 * MB  # the server's cap wins
    with pytest.raises(UnprocessableEntity):
        max_bytes_for("sms", "application/zip", server_max)


async def test_presign_makes_a_pending_row_and_a_signed_form(
    session: Session, workspace: WorkspaceFixture
) -> None:
    presigned = await media_service.presign(
        session, workspace.id, PresignRequest(content_type="image/png", size=1234)
    )
    assert presigned.media.status == "pending"
    form = media_service.read_upload_form(presigned.form_data)
    assert form.media_id == presigned.media.id
    assert form.max_size == 1234
    assert form.content_types == ["image/png"]
    pending = await media_service.pending_upload(session, form)
    assert pending.id == presigned.media.id
    with pytest.raises(NotFound):
        media_service.open_stream(pending)


async def test_presign_refuses_a_size_over_the_channel_limit(
    session: Session, workspace: WorkspaceFixture
) -> None:
    whatsapp = await make_channel(session, workspace.id, "whatsapp")
    request = PresignRequest(content_type="image/png", size=6 * MB, channel_id=whatsapp.id)
    with pytest.raises(PayloadTooLarge):
        await media_service.presign(session, workspace.id, request)


async def test_download_url_is_signed_and_recognized(
    session: Session, workspace: WorkspaceFixture
) -> None:
    stored = await media_service.store_bytes(
        session, workspace.id, data=b"x", content_type="text/plain"
    )
    url = media_service.download_url(stored, base_url="https://hubbub.example/")
    parts = urlsplit(url)
    assert parts.path == f"/media/{stored.id}/content"
    query = parse_qs(parts.query)
    assert set(query) == {"workspace_id", "expires", "signature"}
    assert media_service.media_ref(url) == (workspace.id, stored.id)
    assert media_service.media_ref(url.replace("signature=", "signature=x")) is None
    assert media_service.media_ref("https://elsewhere.example/picture.png") is None
