"""Media over HTTP: presign through ``/v1``, then real multipart uploads to the public upload
route and signed downloads, through the ASGI client."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from hubbub.db.uow import Database
from hubbub.media.schemas import PresignRequest
from hubbub.media.service import media as media_service
from tests.conftest import WorkspaceFixture

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100


async def presign(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/media/presign", json={"content_type": "image/png", **body}, headers=workspace.headers
    )
    assert response.status_code == 201, response.text
    presigned: dict[str, Any] = response.json()
    return presigned


async def upload(
    client: httpx.AsyncClient,
    presigned: dict[str, Any],
    data: bytes,
    *,
    content_type: str = "image/png",
    fields: dict[str, str] | None = None,
) -> httpx.Response:
    form = {**presigned["upload_form_data"], **(fields or {})}
    return await client.post(
        presigned["upload_url"],
        data=form,
        files={"file": ("picture.png", data, content_type)},
    )


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_presign_upload_get_and_download(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    presigned = await presign(client, workspace, filename="picture.png")
    assert presigned["upload_method"] == "POST"
    assert presigned["upload_url"].endswith("/media/upload")
    assert set(presigned["upload_form_data"]) >= {"media_id", "signature", "max_size"}
    pending = await client.get(f"/v1/media/{presigned['media_id']}", headers=workspace.headers)
    assert pending.json()["status"] == "pending"
    assert pending.json()["url"] is None

    uploaded = await upload(client, presigned, PNG)
    assert uploaded.status_code == 204, uploaded.text

    response = await client.get(f"/v1/media/{presigned['media_id']}", headers=workspace.headers)
    assert response.status_code == 200
    view = response.json()
    assert view["status"] == "ready"
    assert view["size"] == len(PNG)
    assert view["checksum"] == hashlib.sha256(PNG).hexdigest()
    assert view["content_type"] == "image/png"
    assert view["filename"] == "picture.png"
    for url in (view["url"], presigned["media_url"]):
        download = await client.get(local(url))
        assert download.status_code == 200
        assert download.content == PNG
        assert download.headers["content-type"] == "image/png"
        assert download.headers["etag"] == f'"{view["checksum"]}"'


async def test_a_file_larger_than_the_request_body_limit_uploads(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    big = bytes(range(256)) * 8 * 1024  # 2 MiB, twice the app's 1 MiB body limit
    presigned = await presign(client, workspace, content_type="application/octet-stream")
    response = await upload(client, presigned, big, content_type="application/octet-stream")
    assert response.status_code == 204, response.text
    view = (
        await client.get(f"/v1/media/{presigned['media_id']}", headers=workspace.headers)
    ).json()
    assert view["size"] == len(big)
    assert view["checksum"] == hashlib.sha256(big).hexdigest()


async def test_over_the_declared_size_is_413_before_the_body_is_read(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    presigned = await presign(client, workspace, size=100_000)
    boundary = "hubbubtestboundary"
    sent = [0]

    async def body() -> AsyncIterator[bytes]:
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in presigned["upload_form_data"].items()
        )
        yield (
            head + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
        ).encode()
        for _ in range(100):  # 6.4 MB offered, far more than allowed
            sent[0] += 1
            yield b"0" * 64 * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await client.post(
        presigned["upload_url"],
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert sent[0] < 10, "the upload should stop as soon as the limit is passed"
    view = (
        await client.get(f"/v1/media/{presigned['media_id']}", headers=workspace.headers)
    ).json()
    assert view["status"] == "pending"


async def test_wrong_content_type_is_refused(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    presigned = await presign(client, workspace)
    response = await upload(client, presigned, b"zip", content_type="application/zip")
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "file"


async def test_tampered_form_is_forbidden(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    presigned = await presign(client, workspace, size=10)
    response = await upload(client, presigned, PNG, fields={"max_size": "99999999"})
    assert response.status_code == 403
    assert "signature" in response.json()["error"]["message"]


async def test_expired_form_is_forbidden(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    async with database.transaction() as session:
        presigned = await media_service.presign(
            session,
            workspace.id,
            PresignRequest(content_type="image/png"),
            expires_in=timedelta(seconds=-1),
        )
    response = await upload(
        client, {"upload_url": "/media/upload", "upload_form_data": presigned.form_data}, PNG
    )
    assert response.status_code == 403
    assert "expired" in response.json()["error"]["message"]


async def test_a_form_uploads_once(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> None:
    presigned = await presign(client, workspace)
    assert (await upload(client, presigned, PNG)).status_code == 204
    again = await upload(client, presigned, b"other bytes")
    assert again.status_code == 409
    view = (
        await client.get(f"/v1/media/{presigned['media_id']}", headers=workspace.headers)
    ).json()
    assert view["checksum"] == hashlib.sha256(PNG).hexdigest()


@pytest.mark.parametrize(
    ("headers", "content"),
    [
        ({"Content-Type": "application/json"}, b"{}"),
        ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\nbroken"),
        ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x--\r\n"),
    ],
)
async def test_malformed_uploads_are_client_errors(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes
) -> None:
    response = await client.post("/media/upload", content=content, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()


async def test_download_with_bad_or_expired_signature_is_forbidden(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    async with database.transaction() as session:
        stored = await media_service.store_bytes(
            session, workspace.id, data=b"hello", content_type="text/plain", filename="hé.txt"
        )
    good = local(media_service.download_url(stored))
    response = await client.get(good)
    assert response.status_code == 200
    assert response.content == b"hello"
    assert "filename*=UTF-8''h%C3%A9.txt" in response.headers["content-disposition"]
    bad = good.replace("signature=", "signature=x")
    assert (await client.get(bad)).status_code == 403
    assert (await client.get(f"/media/{stored.id}/content")).status_code == 403
    expired = local(media_service.download_url(stored, expires_in=timedelta(seconds=-5)))
    response = await client.get(expired)
    assert response.status_code == 403
    assert "expired" in response.json()["error"]["message"]


async def test_presign_validation_and_channel_limits(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    bad_type = await client.post(
        "/v1/media/presign", json={"content_type": "png"}, headers=workspace.headers
    )
    assert bad_type.status_code == 422
    channel = await client.post(
        "/v1/channels", json={"platform": "whatsapp", "name": "wa"}, headers=workspace.headers
    )
    channel_id = channel.json()["id"]
    too_big = await client.post(
        "/v1/media/presign",
        json={"content_type": "image/png", "size": 6 * 1024 * 1024, "channel_id": channel_id},
        headers=workspace.headers,
    )
    assert too_big.status_code == 413
    presigned = await presign(client, workspace, channel_id=channel_id)
    assert presigned["upload_form_data"]["max_size"] == str(5 * 1024 * 1024)
    unknown = await client.post(
        "/v1/media/presign",
        json={"content_type": "image/png", "channel_id": "nope"},
        headers=workspace.headers,
    )
    assert unknown.status_code == 404
    missing = await client.get("/v1/media/nope", headers=workspace.headers)
    assert missing.status_code == 404
    assert (
        await client.post("/v1/media/presign", json={"content_type": "image/png"})
    ).status_code == 401


async def test_another_workspace_sees_none_of_it(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    presigned = await presign(client, workspace)
    assert (await upload(client, presigned, PNG)).status_code == 204
    media_id = presigned["media_id"]
    response = await client.get(f"/v1/media/{media_id}", headers=other_workspace.headers)
    assert response.status_code == 404
    # A's download link names A's workspace: swapping in B's breaks the signature.
    url = local(presigned["media_url"]).replace(workspace.id, other_workspace.id)
    assert (await client.get(url)).status_code == 403
