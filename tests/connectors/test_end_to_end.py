"""Each provider connector through the whole app, on both engines: a message created with the
native API is delivered by the runner's ``run_due`` to a real provider on loopback (simulator,
SMTP server, webhook receiver), reaches ``sent``, then the provider's signed status callback
to ``POST /inbound/{channel_id}`` moves it on; a bad signature is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest_asyncio

from hubbub.config import Settings
from hubbub.connectors.webhook import signed_headers
from hubbub.db.uow import Database
from hubbub.delivery.runner import public_base_url, run_due
from hubbub.kit.ids import new_id
from hubbub.simulators.common import serve
from hubbub.simulators.twilio import TwilioSimulator
from hubbub.simulators.whatsapp_cloud import WhatsAppCloudSimulator
from tests.conftest import WorkspaceFixture
from tests.connectors.conftest import (
    TWILIO_SID,
    TWILIO_TOKEN,
    WA_PHONE_ID,
    WA_SECRET,
    WA_TOKEN,
    Receiver,
    SmtpServer,
)

PHONE = "+15557654321"


async def create(client: httpx.AsyncClient, ws: WorkspaceFixture, path: str, body: Any) -> Any:
    response = await client.post(path, json=body, headers=ws.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def status_of(client: httpx.AsyncClient, ws: WorkspaceFixture, message_id: str) -> str:
    response = await client.get(f"/v1/messages/{message_id}", headers=ws.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def send_one(
    client: httpx.AsyncClient, ws: WorkspaceFixture, channel_id: str, to: str, text: str
) -> Any:
    return await create(
        client,
        ws,
        "/v1/messages",
        {
            "channel_id": channel_id,
            "recipients": [{"value": to}],
            "payload": {"type": "text", "text": text},
        },
    )


def inbound_url(settings: Settings, channel_id: str) -> str:
    return f"{public_base_url(settings)}/inbound/{channel_id}"


@pytest_asyncio.fixture
async def twilio_sim(client: httpx.AsyncClient) -> AsyncIterator[tuple[TwilioSimulator, str]]:
    simulator = TwilioSimulator({TWILIO_SID: TWILIO_TOKEN}, callback_http=client)
    simulator.callbacks.hold = True
    async with serve(simulator.app) as url:
        yield simulator, url
        await simulator.drain()


@pytest_asyncio.fixture
async def whatsapp_sim(
    client: httpx.AsyncClient,
) -> AsyncIterator[tuple[WhatsAppCloudSimulator, str]]:
    simulator = WhatsAppCloudSimulator(
        access_token=WA_TOKEN, app_secret=WA_SECRET, callback_http=client
    )
    simulator.callbacks.hold = True
    async with serve(simulator.app) as url:
        yield simulator, url
        await simulator.drain()


async def test_sms_through_twilio(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    twilio_sim: tuple[TwilioSimulator, str],
) -> None:
    simulator, url = twilio_sim
    config = {"base_url": url, "account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN}
    channel = await create(
        client,
        workspace,
        "/v1/channels",
        {"platform": "sms", "name": "sms", "identifier": "+15550001111", "config": config},
    )
    text = "order shipped " + new_id()
    message = await send_one(client, workspace, channel["id"], PHONE, text)

    await run_due(database, settings, workspace_id=workspace.id)
    assert simulator.received(text) == 1
    assert simulator.messages[0].to == PHONE
    assert await status_of(client, workspace, message["id"]) == "sent"

    simulator.callbacks.release()
    await simulator.drain()
    assert [a.response_status for a in simulator.callbacks.attempts] == [200, 200]
    assert await status_of(client, workspace, message["id"]) == "delivered"

    reply = await simulator.send_inbound(
        inbound_url(settings, channel["id"]), from_=PHONE, to="+15550001111", body="thanks!"
    )
    assert reply.status_code == 200
    assert b"<Response>" in reply.content
    listed = await client.get(
        "/v1/messages",
        params={"conversation_id": message["conversation_id"], "direction": "incoming"},
        headers=workspace.headers,
    )
    assert [m["text"] for m in listed.json()["data"]] == ["thanks!"]

    forged = await client.post(
        inbound_url(settings, channel["id"]),
        data={"MessageSid": simulator.messages[0].sid, "MessageStatus": "read"},
        headers={"X-Twilio-Signature": "Zm9yZ2Vk"},
    )
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "unauthenticated"


async def test_whatsapp_through_cloud_api(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    whatsapp_sim: tuple[WhatsAppCloudSimulator, str],
) -> None:
    simulator, url = whatsapp_sim
    config = {
        "base_url": url,
        "phone_number_id": WA_PHONE_ID,
        "access_token": WA_TOKEN,
        "app_secret": WA_SECRET,
    }
    channel = await create(
        client, workspace, "/v1/channels", {"platform": "whatsapp", "name": "wa", "config": config}
    )
    simulator.subscribe(WA_PHONE_ID, inbound_url(settings, channel["id"]))
    # The contact writes first: that opens the 24 h window for a free-form answer.
    written = await simulator.send_inbound(WA_PHONE_ID, from_=PHONE, text="hello?")
    assert written.status_code == 200, written.text
    message = await send_one(client, workspace, channel["id"], PHONE, "hi there " + new_id())

    await run_due(database, settings, workspace_id=workspace.id)
    assert simulator.received(message["id"]) == 1
    assert await status_of(client, workspace, message["id"]) == "sent"

    simulator.callbacks.release()
    await simulator.drain()
    assert [a.response_status for a in simulator.callbacks.attempts] == [200, 200, 200]
    assert await status_of(client, workspace, message["id"]) == "read"

    forged = await client.post(
        inbound_url(settings, channel["id"]),
        content=b'{"entry": []}',
        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
    )
    assert forged.status_code == 401


async def test_webhook_channel(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    receiver: Receiver,
) -> None:
    secret = "e2e-secret"
    channel = await create(
        client,
        workspace,
        "/v1/channels",
        {
            "platform": "webhook",
            "name": "hook",
            "config": {"url": f"{receiver.url}/in", "secret": secret},
        },
    )
    message = await send_one(client, workspace, channel["id"], "user-7", "ping " + new_id())

    await run_due(database, settings, workspace_id=workspace.id)
    [request] = receiver.requests
    assert orjson.loads(request.body)["message"]["id"] == message["id"]
    assert await status_of(client, workspace, message["id"]) == "sent"

    async def post(body: dict[str, Any], key: str = secret) -> httpx.Response:
        raw = orjson.dumps(body)
        return await client.post(
            inbound_url(settings, channel["id"]), content=raw, headers=signed_headers(key, raw)
        )

    delivered = {"statuses": [{"message_id": message["id"], "status": "delivered"}]}
    assert (await post(delivered)).status_code == 200
    assert await status_of(client, workspace, message["id"]) == "delivered"
    assert (
        await post({"statuses": [{"message_id": message["id"], "status": "read"}]}, "bad")
    ).status_code == 401
    assert await status_of(client, workspace, message["id"]) == "delivered"
    answered = await post(
        {"messages": [{"from": "user-7", "text": "pong", "in_reply_to": message["id"]}]}
    )
    assert answered.status_code == 200
    malformed = await post({"messages": [{"text": "no sender"}]})
    assert malformed.status_code == 400
    listed = await client.get(
        "/v1/messages",
        params={"conversation_id": message["conversation_id"], "direction": "incoming"},
        headers=workspace.headers,
    )
    assert [m["text"] for m in listed.json()["data"]] == ["pong"]


async def test_email_channel(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    smtp_server: SmtpServer,
) -> None:
    address = f"support-{new_id()[-12:]}@shop.test"
    channel = await create(
        client,
        workspace,
        "/v1/channels",
        {
            "platform": "email",
            "name": "mail",
            "identifier": address,
            "config": {"smtp_host": smtp_server.host, "smtp_port": smtp_server.port},
        },
    )
    message = await create(
        client,
        workspace,
        "/v1/messages",
        {
            "channel_id": channel["id"],
            "recipients": [
                {"value": "ann@example.test"},
                {"value": "cc@example.test", "type": "cc"},
            ],
            "subject": "Welcome",
            "payload": {"type": "text", "text": "Hello Ann"},
        },
    )

    await run_due(database, settings, workspace_id=workspace.id)
    [delivered] = smtp_server.delivered
    assert sorted(delivered.rcpt_tos) == ["ann@example.test", "cc@example.test"]
    assert delivered.email["Subject"] == "Welcome"
    assert await status_of(client, workspace, message["id"]) == "sent"
    message_id_header = delivered.email["Message-ID"]
    assert message["id"] in message_id_header
