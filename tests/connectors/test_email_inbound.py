"""Inbound email: real SMTP into the built-in listener, and the raw-MIME upload endpoint.
Replies thread into the conversation of the email they answer."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from email.message import EmailMessage

import aiosmtplib
import httpx
import pytest
import pytest_asyncio

from hubbub.config import Settings
from hubbub.db.uow import Database
from hubbub.delivery.email_inbound import run_smtp_listener
from hubbub.delivery.runner import run_due
from hubbub.kit.ids import new_id
from hubbub.process.context import LoopContext
from tests.conftest import WorkspaceFixture
from tests.connectors.conftest import SmtpServer
from tests.connectors.test_end_to_end import create, status_of


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest_asyncio.fixture
async def listener(database: Database, settings: Settings) -> AsyncIterator[int]:
    """The SMTP listener loop as ``hubbub serve`` runs it, on a free loopback port."""
    port = free_port()
    configured = settings.model_copy(update={"smtp_listen_port": port})
    stop = asyncio.Event()
    task = asyncio.create_task(run_smtp_listener(LoopContext(database, configured, stop)))
    for _ in range(200):  # wait until it accepts connections
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        break
    yield port
    stop.set()
    await task


async def email_channel(
    client: httpx.AsyncClient, ws: WorkspaceFixture, smtp: SmtpServer | None = None
) -> dict[str, str]:
    address = f"help-{new_id()[-12:]}@shop.test"
    config = {"smtp_host": smtp.host, "smtp_port": smtp.port} if smtp else {"smtp_host": "unused"}
    return dict(
        await create(
            client,
            ws,
            "/v1/channels",
            {"platform": "email", "name": "mail", "identifier": address, "config": config},
        )
    )


def reply(to: str, *, in_reply_to: str | None = None, text: str = "Thanks!") -> EmailMessage:
    email = EmailMessage()
    email["From"] = "Ann <ann@example.test>"
    email["To"] = to
    email["Subject"] = "Re: Welcome"
    email["Message-ID"] = f"<{new_id()}@example.test>"
    if in_reply_to:
        email["In-Reply-To"] = in_reply_to
        email["References"] = in_reply_to
    email.set_content(text)
    return email


async def incoming(
    client: httpx.AsyncClient, ws: WorkspaceFixture, channel_id: str
) -> list[dict[str, str]]:
    response = await client.get(
        "/v1/messages",
        params={"channel_id": channel_id, "direction": "incoming"},
        headers=ws.headers,
    )
    return list(response.json()["data"])


async def test_reply_over_smtp_threads_into_the_conversation(
    client: httpx.AsyncClient,
    database: Database,
    settings: Settings,
    workspace: WorkspaceFixture,
    smtp_server: SmtpServer,
    listener: int,
) -> None:
    channel = await email_channel(client, workspace, smtp_server)
    sent = await create(
        client,
        workspace,
        "/v1/messages",
        {
            "channel_id": channel["id"],
            "recipients": [{"value": "ann@example.test"}],
            "subject": "Welcome",
            "payload": {"type": "text", "text": "Hello"},
        },
    )
    await run_due(database, settings, workspace_id=workspace.id)
    assert await status_of(client, workspace, sent["id"]) == "sent"
    message_id = smtp_server.delivered[0].email["Message-ID"]

    # Another conversation with the same contact, so threading must go by In-Reply-To.
    await create(
        client, workspace, "/v1/conversations", {"channel_id": channel["id"], "subject": "other"}
    )
    await aiosmtplib.send(
        reply(channel["identifier"], in_reply_to=message_id),
        hostname="127.0.0.1",
        port=listener,
        start_tls=False,
    )

    [stored] = await incoming(client, workspace, channel["id"])
    assert stored["conversation_id"] == sent["conversation_id"]
    assert stored["text"] == "Thanks!"
    assert stored["subject"] == "Re: Welcome"


async def test_listener_refuses_unknown_recipients(listener: int) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await aiosmtplib.send(
            reply(f"nobody-{new_id()}@shop.test"),
            hostname="127.0.0.1",
            port=listener,
            start_tls=False,
        )
    assert refused.value.recipients[0].code == 550


async def test_listener_files_for_every_known_recipient(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, listener: int
) -> None:
    first = await email_channel(client, workspace)
    second = await email_channel(client, workspace)
    email = reply(first["identifier"].upper())  # addresses match case-insensitively
    email["Cc"] = second["identifier"]
    errors, _ = await aiosmtplib.send(email, hostname="127.0.0.1", port=listener, start_tls=False)
    assert errors == {}
    assert len(await incoming(client, workspace, first["id"])) == 1
    assert len(await incoming(client, workspace, second["id"])) == 1


async def test_upload_raw_email(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> None:
    channel = await email_channel(client, workspace)
    raw = reply(channel["identifier"], text="uploaded").as_bytes()
    path = f"/v1/channels/{channel['id']}/email/inbound"
    headers = {**workspace.headers, "Content-Type": "message/rfc822"}

    first = await client.post(path, content=raw, headers=headers)
    assert first.status_code == 200, first.text
    [stored] = first.json()["data"]
    assert stored["direction"] == "incoming"
    assert stored["text"] == "uploaded"
    again = await client.post(path, content=raw, headers=headers)
    assert again.json() == {"data": [], "duplicate": True}
    assert len(await incoming(client, workspace, channel["id"])) == 1


async def test_upload_rejects_what_is_not_an_email(
    client: httpx.AsyncClient, workspace: WorkspaceFixture
) -> None:
    channel = await email_channel(client, workspace)
    path = f"/v1/channels/{channel['id']}/email/inbound"
    for body in (b"", b"Subject: no sender\n\nhello"):
        response = await client.post(path, content=body, headers=workspace.headers)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_input"
    sms = await create(client, workspace, "/v1/channels", {"platform": "sms", "name": "sms"})
    wrong = await client.post(
        f"/v1/channels/{sms['id']}/email/inbound",
        content=b"From: a@b.test\n\nx",
        headers=workspace.headers,
    )
    assert wrong.status_code == 422
    unauthenticated = await client.post(path, content=b"From: a@b.test\n\nx")
    assert unauthenticated.status_code == 401


async def test_upload_to_another_workspaces_channel_is_not_found(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    channel = await email_channel(client, workspace)
    response = await client.post(
        f"/v1/channels/{channel['id']}/email/inbound",
        content=reply(channel["identifier"]).as_bytes(),
        headers=other_workspace.headers,
    )
    assert response.status_code == 404
    assert await incoming(client, workspace, channel["id"]) == []
