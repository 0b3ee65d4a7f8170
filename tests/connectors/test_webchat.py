"""The webchat channel end to end over real HTTP (uvicorn on loopback, with the worker): an
outgoing native message is sent by the webchat connector (not walked by the sandbox), a user
listening on the conversation's stream receives it, which makes it ``delivered``, and the
user's acknowledgement makes it ``read``; the stream also carries the user's own messages and
resumes with ``Last-Event-ID``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from hubbub.config import Settings
from hubbub.connectors.base import (
    ChannelInfo,
    ConnectorContext,
    InboundRequest,
    InvalidSignature,
    OutboundMessage,
)
from hubbub.connectors.registry import connector_for, is_sandboxed
from hubbub.connectors.webchat import WebchatConnector
from hubbub.db.uow import Database
from hubbub.kit.ids import new_id
from tests.api.webchat.signals import SignalReader
from tests.conftest import WorkspaceFixture
from tests.realtime.server import serving

STREAM = {"Accept": "text/event-stream"}


@dataclass
class Site:
    http: httpx.AsyncClient
    workspace: WorkspaceFixture
    channel_id: str
    key: str
    user_id: str
    conversation_id: str

    @property
    def base(self) -> str:
        return f"/webchat/{self.channel_id}"

    @property
    def user_headers(self) -> dict[str, str]:
        return {"x-user-key": self.key}

    def listen(self, last_event_id: int | None = None) -> Any:
        headers = {**self.user_headers, **STREAM}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        path = f"{self.base}/conversations/{self.conversation_id}/listen"
        return self.http.stream("GET", path, headers=headers)

    async def send_outgoing(self, text: str) -> str:
        body = {"conversation_id": self.conversation_id, "payload": {"type": "text", "text": text}}
        response = await self.http.post("/v1/messages", json=body, headers=self.workspace.headers)
        assert response.status_code == 201, response.text
        message_id: str = response.json()["id"]
        return message_id

    async def status(self, message_id: str) -> str:
        response = await self.http.get(f"/v1/messages/{message_id}", headers=self.workspace.headers)
        assert response.status_code == 200, response.text
        return str(response.json()["status"])

    async def history(self, message_id: str) -> list[str]:
        response = await self.http.get(
            f"/v1/messages/{message_id}/interactions",
            params={"order": "asc"},
            headers=self.workspace.headers,
        )
        return [item["type"] for item in response.json()["data"]]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


@pytest_asyncio.fixture
async def site(
    database: Database, workspace: WorkspaceFixture, tmp_path: Path
) -> AsyncIterator[Site]:
    # A sandbox walk would take 0.05 s a step: if the webchat channel went through it, its
    # messages would be read long before any test looks.
    async with (
        serving(
            database,
            tmp_path,
            run_worker=True,
            worker_poll_seconds=0.05,
            sandbox_step_seconds=0.05,
        ) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        channel = await http.post(
            "/v1/channels",
            json={"platform": "webchat", "name": "site chat"},
            headers=workspace.headers,
        )
        assert channel.status_code == 201, channel.text
        channel_id = channel.json()["id"]
        user = await http.post(f"/webchat/{channel_id}/users", json={})
        assert user.status_code == 201, user.text
        key = user.json()["key"]
        conversation = await http.post(
            f"/webchat/{channel_id}/conversations", json={}, headers={"x-user-key": key}
        )
        assert conversation.status_code == 201, conversation.text
        yield Site(
            http,
            workspace,
            channel_id,
            key,
            user.json()["user"]["id"],
            conversation.json()["conversation"]["id"],
        )


async def test_a_listening_user_receives_the_message_which_becomes_delivered_then_read(
    site: Site,
) -> None:
    async with site.listen() as response:
        reader = SignalReader(response)
        await reader.connected()
        message_id = await site.send_outgoing("your order has shipped")
        signal = await reader.next()

    assert signal.type == "message_created"
    assert signal.data["id"] == message_id
    assert signal.data["isBot"] is True
    assert signal.data["conversationId"] == site.conversation_id
    assert signal.data["payload"] == {"type": "text", "text": "your order has shipped"}

    async def delivered() -> bool:
        return await site.status(message_id) == "delivered"

    await eventually(delivered)
    ack = await site.http.post(f"{site.base}/messages/{message_id}/read", headers=site.user_headers)
    assert ack.status_code == 200, ack.text
    assert ack.json()["status"] == "read"
    assert await site.status(message_id) == "read"
    assert await site.history(message_id) == ["sending", "sent", "delivered", "read"]


async def test_without_a_listener_a_sent_message_waits_and_is_delivered_on_resume(
    site: Site,
) -> None:
    message_id = await site.send_outgoing("while you were away")

    async def sent() -> bool:
        return await site.status(message_id) == "sent"

    await eventually(sent)
    await asyncio.sleep(0.5)  # ten sandbox steps: a sandboxed message would be read by now
    assert await site.status(message_id) == "sent"

    # A stream resuming from the start of the log replays it; that is its delivery.
    async with site.listen(last_event_id=0) as response:
        reader = SignalReader(response)
        signal = await reader.next()
    assert signal.data["id"] == message_id

    async def delivered() -> bool:
        return await site.status(message_id) == "delivered"

    await eventually(delivered)


async def test_the_stream_carries_the_users_messages_and_resumes_after_the_last_event(
    site: Site,
) -> None:
    async with site.listen() as response:
        reader = SignalReader(response)
        await reader.connected()
        first = await site.send_outgoing("hello, how can we help?")
        seen = await reader.next()
    assert seen.data["id"] == first

    # Missed while away: the user's own message (from another tab) and a reply.
    said = await site.http.post(
        f"{site.base}/messages",
        json={"conversationId": site.conversation_id, "payload": {"type": "text", "text": "hi"}},
        headers=site.user_headers,
    )
    assert said.status_code == 201, said.text
    second = await site.send_outgoing("on it")

    async def second_sent() -> bool:
        return await site.status(second) == "sent"

    await eventually(second_sent)
    async with site.listen(last_event_id=seen.id) as response:
        reader = SignalReader(response)
        replayed = [await reader.next(), await reader.next()]

    assert [s.data["id"] for s in replayed] == [said.json()["message"]["id"], second]
    assert replayed[0].data["isBot"] is False
    assert replayed[0].data["userId"] == site.user_id
    assert all(s.id > seen.id for s in replayed)
    assert await site.status(said.json()["message"]["id"]) == "delivered"  # incoming stays


async def test_the_webchat_connector_confirms_sent_with_our_own_id(settings: Settings) -> None:
    channel = ChannelInfo(
        id=new_id(), workspace_id=new_id(), platform="webchat", identifier=None, config={}
    )
    assert not is_sandboxed(channel)
    async with httpx.AsyncClient() as client:
        context = ConnectorContext(http=client, settings=settings, public_base_url="http://x")
        connector = connector_for(channel, context)
        assert isinstance(connector, WebchatConnector)
        message = OutboundMessage(
            id=new_id(),
            workspace_id=channel.workspace_id,
            conversation_id=new_id(),
            channel=channel,
            recipients=(),
            type="text",
            payload={"type": "text", "text": "x"},
            text="x",
        )
        result = await connector.send(message)
        assert (result.provider_message_id, result.status) == (message.id, "sent")
        request = InboundRequest("POST", "http://x/inbound", {}, b"{}")
        with pytest.raises(InvalidSignature, match="user key"):
            await connector.parse_inbound(channel, request)
