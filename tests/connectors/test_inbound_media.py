"""Inbound attachments end up as Hubbub media: WhatsApp media ids and Twilio MMS URLs are
downloaded from the simulators over real loopback HTTP (with the provider's credentials), email
attachments arrive over real SMTP; each stored message's payload points at Hubbub's signed
download link, which serves the same bytes. A file the provider no longer has is tagged, not
fatal; a provider that cannot be reached gets a 503 so it delivers the callback again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import aiosmtplib
import httpx
import orjson
import pytest_asyncio

from hubbub.config import Settings
from hubbub.connectors.smtp_listener import listen
from hubbub.db.uow import Database
from hubbub.delivery.email_inbound import ChannelMailbox
from hubbub.kit.ids import new_id
from hubbub.simulators.common import serve
from hubbub.simulators.twilio import TwilioSimulator
from hubbub.simulators.whatsapp_cloud import WhatsAppCloudSimulator, hub_signature
from tests.conftest import WorkspaceFixture
from tests.connectors.conftest import TWILIO_SID, TWILIO_TOKEN, WA_PHONE_ID, WA_SECRET, WA_TOKEN
from tests.connectors.test_end_to_end import create, inbound_url

PHONE = "+15557654321"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.4 " + b"x" * 3000


@pytest_asyncio.fixture
async def wa_sim(client: httpx.AsyncClient) -> AsyncIterator[tuple[WhatsAppCloudSimulator, str]]:
    simulator = WhatsAppCloudSimulator(
        access_token=WA_TOKEN, app_secret=WA_SECRET, callback_http=client
    )
    async with serve(simulator.app) as url:
        yield simulator, url


@pytest_asyncio.fixture
async def sms_sim(client: httpx.AsyncClient) -> AsyncIterator[tuple[TwilioSimulator, str]]:
    simulator = TwilioSimulator({TWILIO_SID: TWILIO_TOKEN}, callback_http=client)
    async with serve(simulator.app) as url:
        yield simulator, url


async def whatsapp_channel(
    client: httpx.AsyncClient, ws: WorkspaceFixture, base_url: str, **extra: str
) -> str:
    config = {
        "base_url": base_url,
        "phone_number_id": WA_PHONE_ID,
        "access_token": WA_TOKEN,
        "app_secret": WA_SECRET,
        **extra,
    }
    body = {"platform": "whatsapp", "name": "wa", "config": config}
    return str((await create(client, ws, "/v1/channels", body))["id"])


async def incoming(client: httpx.AsyncClient, ws: WorkspaceFixture, channel_id: str) -> list[Any]:
    listed = await client.get(
        "/v1/messages",
        params={"channel_id": channel_id, "direction": "incoming", "order": "asc"},
        headers=ws.headers,
    )
    assert listed.status_code == 200, listed.text
    return list(listed.json()["data"])


async def served_bytes(client: httpx.AsyncClient, url: str) -> bytes:
    """What Hubbub's signed link serves (no access key: the signature is the authorization)."""
    parts = urlsplit(url)
    assert parts.path.startswith("/media/")
    assert parts.path.endswith("/content")
    response = await client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200, response.text
    return response.content


async def test_a_whatsapp_image_is_downloaded_and_stored_as_media(
    client: httpx.AsyncClient,
    settings: Settings,
    workspace: WorkspaceFixture,
    wa_sim: tuple[WhatsAppCloudSimulator, str],
) -> None:
    simulator, url = wa_sim
    channel_id = await whatsapp_channel(client, workspace, url)
    simulator.subscribe(WA_PHONE_ID, inbound_url(settings, channel_id))
    image = simulator.media.add(PNG, "image/png")
    document = simulator.media.add(PDF, "application/pdf")
    for item in (
        {"type": "image", "image": {"id": image.id, "mime_type": "image/png", "caption": "look"}},
        {
            "type": "document",
            "document": {"id": document.id, "mime_type": "application/pdf", "filename": "a.pdf"},
        },
    ):
        answered = await simulator.send_inbound(WA_PHONE_ID, from_=PHONE, message=item)
        assert answered.status_code == 200, answered.text

    [photo, file] = await incoming(client, workspace, channel_id)
    assert photo["payload"]["type"] == "image"
    assert photo["payload"]["caption"] == "look"
    assert photo["payload"]["content_type"] == "image/png"
    assert not photo["payload"]["url"].startswith(url)  # not the provider's URL
    assert await served_bytes(client, photo["payload"]["url"]) == PNG
    assert file["payload"]["type"] == "file"
    assert (file["payload"]["filename"], file["payload"]["content_type"]) == (
        "a.pdf",
        "application/pdf",
    )
    assert await served_bytes(client, file["payload"]["url"]) == PDF
    assert simulator.media.downloads == {image.id: 1, document.id: 1}


async def test_a_whatsapp_media_id_the_provider_no_longer_has_is_tagged_not_lost(
    client: httpx.AsyncClient,
    settings: Settings,
    workspace: WorkspaceFixture,
    wa_sim: tuple[WhatsAppCloudSimulator, str],
) -> None:
    simulator, url = wa_sim
    channel_id = await whatsapp_channel(client, workspace, url)
    simulator.subscribe(WA_PHONE_ID, inbound_url(settings, channel_id))
    gone = {"type": "image", "image": {"id": "404404404", "mime_type": "image/png"}}
    answered = await simulator.send_inbound(WA_PHONE_ID, from_=PHONE, message=gone)
    assert answered.status_code == 200, answered.text
    [stored] = await incoming(client, workspace, channel_id)
    assert stored["payload"]["type"] == "image"
    assert "HTTP 404" in stored["tags"]["hubbub_media_error"]


async def test_an_unreachable_provider_gets_a_503_so_it_delivers_again(
    client: httpx.AsyncClient, settings: Settings, workspace: WorkspaceFixture
) -> None:
    channel_id = await whatsapp_channel(client, workspace, "http://127.0.0.1:9")
    envelope = {
        "entry": [
            {
                "changes": [
                    {
                        "value": {
                            "messages": [
                                {
                                    "from": PHONE.removeprefix("+"),
                                    "id": "wamid." + new_id(),
                                    "type": "image",
                                    "image": {"id": "123456", "mime_type": "image/png"},
                                }
                            ]
                        }
                    }
                ]
            }
        ]
    }
    raw = orjson.dumps(envelope)
    response = await client.post(
        inbound_url(settings, channel_id),
        content=raw,
        headers={"X-Hub-Signature-256": hub_signature(WA_SECRET, raw)},
    )
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "media_unavailable"
    assert await incoming(client, workspace, channel_id) == []


async def test_a_twilio_mms_is_downloaded_with_basic_auth_and_stored_as_media(
    client: httpx.AsyncClient,
    settings: Settings,
    workspace: WorkspaceFixture,
    sms_sim: tuple[TwilioSimulator, str],
) -> None:
    simulator, url = sms_sim
    config = {"base_url": url, "account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN}
    body = {"platform": "sms", "name": "sms", "identifier": "+15550001111", "config": config}
    channel_id = str((await create(client, workspace, "/v1/channels", body))["id"])
    media_url = url + simulator.add_media(PNG, "image/png")
    async with httpx.AsyncClient() as outsider:
        anonymous = await outsider.get(media_url)
    assert anonymous.status_code == 401  # the file needs the account's credentials

    answered = await simulator.send_inbound(
        inbound_url(settings, channel_id),
        from_=PHONE,
        to="+15550001111",
        body="a picture",
        media=((media_url, "image/png"),),
    )
    assert answered.status_code == 200, answered.text
    [stored] = await incoming(client, workspace, channel_id)
    assert stored["payload"]["type"] == "image"
    assert stored["payload"]["caption"] == "a picture"
    assert await served_bytes(client, stored["payload"]["url"]) == PNG


def email_with_attachment(sender: str, to: str) -> EmailMessage:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = sender, to, "the report"
    email["Message-ID"] = f"<{new_id()}@customer.test>"
    email.set_content("see attached")
    email.add_attachment(PDF, maintype="application", subtype="pdf", filename="report.pdf")
    email.add_attachment(PNG, maintype="image", subtype="png", filename="chart.png")
    return email


async def test_email_attachments_over_smtp_are_stored_as_media(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture
) -> None:
    address = f"support-{new_id()[-12:]}@hubbub.test"
    body = {"platform": "email", "name": "mail", "identifier": address, "config": {}}
    channel_id = str((await create(client, workspace, "/v1/channels", body))["id"])
    stop, bound = asyncio.Event(), asyncio.get_running_loop().create_future()
    listener = asyncio.create_task(
        listen(ChannelMailbox(database), "127.0.0.1", 0, stop, ready=bound.set_result)
    )
    try:
        port = await bound
        email = email_with_attachment("Customer <customer@example.test>", address)
        await aiosmtplib.send(email, hostname="127.0.0.1", port=port)
    finally:
        stop.set()
        await listener

    [text, report, chart] = await incoming(client, workspace, channel_id)
    assert (text["payload"]["type"], text["payload"]["text"]) == ("text", "see attached")
    assert report["payload"]["type"] == "file"
    assert report["payload"]["filename"] == "report.pdf"
    assert await served_bytes(client, report["payload"]["url"]) == PDF
    assert chart["payload"]["type"] == "image"
    assert (chart["payload"]["filename"], chart["payload"]["content_type"]) == (
        "chart.png",
        "image/png",
    )
    assert await served_bytes(client, chart["payload"]["url"]) == PNG
    assert {m["conversation_id"] for m in (text, report, chart)} == {text["conversation_id"]}


async def test_whatsapp_webhook_verification_answers_the_challenge(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    channel_id = await whatsapp_channel(
        client, workspace, "http://127.0.0.1:9", verify_token="meta-verify"
    )
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "meta-verify",
        "hub.challenge": "1158201444",
    }
    answered = await client.get(f"/inbound/{channel_id}", params=query)
    assert answered.status_code == 200
    assert answered.text == "1158201444"
    assert answered.headers["content-type"].startswith("text/plain")

    wrong = await client.get(f"/inbound/{channel_id}", params={**query, "hub.verify_token": "no"})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "forbidden"


async def test_verification_get_on_other_channels_is_405_or_404(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    config = {"base_url": "http://127.0.0.1:9", "account_sid": TWILIO_SID, "auth_token": "t"}
    body = {"platform": "sms", "name": "sms", "identifier": "+15550001111", "config": config}
    sms_id = str((await create(client, workspace, "/v1/channels", body))["id"])
    refused = await client.get(f"/inbound/{sms_id}", params={"hub.mode": "subscribe"})
    assert refused.status_code == 405
    assert refused.json()["error"]["code"] == "method_not_allowed"
    missing = await client.get(f"/inbound/{new_id()}")
    assert missing.status_code == 404
    sandbox = await create(client, workspace, "/v1/channels", {"platform": "sandbox", "name": "sb"})
    assert (await client.get(f"/inbound/{sandbox['id']}")).status_code == 403
