"""Batch sends, presigned uploads and media downloads, and message interactions."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.bird.conftest import Bird, assert_bird_error, text_send, unique_phone

PNG = b"\x89PNG\r\n\x1a\n" + b"bird" * 500


async def test_batch_sends_valid_items_and_rejects_the_rest(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    requests = [
        text_send(unique_phone(), "one"),
        {"receiver": {"contacts": []}, "body": {"type": "text", "text": {"text": "x"}}},
        text_send(unique_phone(), "three"),
        "not an object",
    ]
    response = await client.post(
        bird.ch("sms", "/batch/messages"), json={"messageRequests": requests}, headers=bird.headers
    )
    assert response.status_code == 202, response.text
    batch = response.json()
    assert batch["batchId"]
    first, second, third, fourth = batch["results"]
    assert first["body"]["text"]["text"] == "one"
    assert first["batchId"] == batch["batchId"]
    assert third["status"] == "accepted"
    assert second["status"] == "rejected"
    assert second["index"] == 1
    assert "receiver.contacts" in second["details"]
    assert fourth["status"] == "rejected"
    assert "messageRequests.3" in fourth["details"]
    # The rejected items left nothing behind.
    listed = await client.get(
        bird.ws("/messages"), params={"batchId": batch["batchId"]}, headers=bird.headers
    )
    assert len(listed.json()["results"]) == 2


@pytest.mark.parametrize("count", [0, 101])
async def test_batch_size_is_bounded(client: httpx.AsyncClient, bird: Bird, count: int) -> None:
    requests = [text_send(unique_phone()) for _ in range(count)]
    response = await client.post(
        bird.ch("sms", "/batch/messages"), json={"messageRequests": requests}, headers=bird.headers
    )
    assert_bird_error(response, 422, "InvalidPayload")
    assert "messageRequests" in response.json()["details"]


async def upload_via_form(
    client: httpx.AsyncClient, presigned: dict[str, str | dict[str, str]]
) -> httpx.Response:
    form = presigned["uploadFormData"]
    assert isinstance(form, dict)
    upload_url = presigned["uploadUrl"]
    assert isinstance(upload_url, str)
    return await client.post(
        urlsplit(upload_url).path, data=form, files={"file": ("cat.png", PNG, "image/png")}
    )


@pytest.mark.parametrize("where", ["channel", "workspace", "alias"])
async def test_presigned_upload_then_send_and_download(
    client: httpx.AsyncClient, bird: Bird, where: str
) -> None:
    path = {
        "channel": bird.ch("whatsapp", "/presigned-upload"),
        "workspace": bird.ws("/presigned-upload"),
        "alias": bird.ws("/channel-media/presigned-upload"),
    }[where]
    response = await client.post(path, json={"contentType": "image/png"}, headers=bird.headers)
    assert response.status_code == 200, response.text
    presigned = response.json()
    assert set(presigned) == {"mediaUrl", "uploadUrl", "uploadMethod", "uploadFormData"}
    assert presigned["uploadMethod"] == "POST"
    uploaded = await upload_via_form(client, presigned)
    assert uploaded.status_code == 204, uploaded.text

    public = await client.get(
        f"{urlsplit(presigned['mediaUrl']).path}?{urlsplit(presigned['mediaUrl']).query}"
    )
    assert public.content == PNG
    media_id = urlsplit(presigned["mediaUrl"]).path.split("/")[-2]
    download = await client.get(bird.ch("whatsapp", f"/media/{media_id}"), headers=bird.headers)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(PNG).hexdigest()
    assert download.headers["content-type"] == "image/png"

    body = {
        "receiver": {"contacts": [{"identifierValue": unique_phone()}]},
        "body": {"type": "image", "image": {"images": [{"mediaUrl": presigned["mediaUrl"]}]}},
    }
    sent = await client.post(bird.ch("whatsapp", "/messages"), json=body, headers=bird.headers)
    assert sent.status_code == 202, sent.text
    by_message = await client.get(
        bird.ws(f"/messages/{sent.json()['id']}/media/{media_id}"), headers=bird.headers
    )
    assert by_message.content == PNG


async def test_presign_validation(client: httpx.AsyncClient, bird: Bird) -> None:
    for body, field in (
        ({}, "contentType"),
        ({"contentType": ""}, "contentType"),
        ({"contentType": "png"}, "contentType"),
        ({"contentType": "image/png", "bucket": "x"}, "bucket"),
        ({"contentType": "application/zip"}, "contentType"),  # not on WhatsApp
    ):
        response = await client.post(
            bird.ch("whatsapp", "/presigned-upload"), json=body, headers=bird.headers
        )
        assert_bird_error(response, 422, "InvalidPayload")
        assert field in response.json()["details"], (body, response.json())


async def test_media_of_another_channel_is_not_found(client: httpx.AsyncClient, bird: Bird) -> None:
    presigned = (
        await client.post(
            bird.ch("whatsapp", "/presigned-upload"),
            json={"contentType": "image/png"},
            headers=bird.headers,
        )
    ).json()
    await upload_via_form(client, presigned)
    media_id = urlsplit(presigned["mediaUrl"]).path.split("/")[-2]
    response = await client.get(bird.ch("sms", f"/media/{media_id}"), headers=bird.headers)
    assert_bird_error(response, 404, "NotFound")


async def test_interactions_are_birds_not_statuses(client: httpx.AsyncClient, bird: Bird) -> None:
    message = (
        await client.post(
            bird.ch("sms", "/messages"),
            json=text_send(unique_phone(), tags=["t"]),
            headers=bird.headers,
        )
    ).json()
    native = bird.native
    await client.post(
        f"/v1/messages/{message['id']}/status", json={"status": "delivered"}, headers=native
    )
    for kind in ("clicked", "complained", "postback"):
        recorded = await client.post(
            f"/v1/messages/{message['id']}/interactions",
            json={"type": kind, "details": {"n": kind}},
            headers=native,
        )
        assert recorded.status_code == 201, recorded.text
    response = await client.get(
        bird.ch("sms", f"/messages/{message['id']}/interactions"), headers=bird.headers
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [entry["type"] for entry in results] == ["clicked", "reported-as-spam"]
    assert results[0]["messageId"] == message["id"]
    assert results[0]["channelId"] == bird.channels["sms"]
    assert results[0]["messageTags"] == ["t"]
    assert results[0]["details"] == {"n": "clicked"}
    elsewhere = await client.get(
        bird.ch("email", f"/messages/{message['id']}/interactions"), headers=bird.headers
    )
    assert_bird_error(elsewhere, 404, "NotFound")
