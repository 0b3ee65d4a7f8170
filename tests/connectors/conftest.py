"""Fixtures for connector tests: a connector context with a real HTTP client, and a real
aiohttp receiver on a loopback port that records every request and answers as told."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import httpx
import pytest_asyncio
from aiohttp import web
from aiosmtpd.smtp import SMTP, AuthResult

from hubbub.config import Settings
from hubbub.connectors.base import ChannelInfo, ConnectorContext, InboundRequest
from hubbub.kit.ids import new_id
from hubbub.simulators.common import serve
from hubbub.simulators.twilio import TwilioSimulator
from hubbub.simulators.whatsapp_cloud import WhatsAppCloudSimulator

TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "twilio-token"
WA_TOKEN = "wa-access-token"
WA_SECRET = "wa-app-secret"
WA_PHONE_ID = "106540352242922"


@pytest_asyncio.fixture
async def context(settings: Settings) -> AsyncIterator[ConnectorContext]:
    async with httpx.AsyncClient() as http:
        yield ConnectorContext(http=http, settings=settings, public_base_url="http://hubbub.test")


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server that records requests; ``answers`` are (status, JSON body) used in turn
    for the next requests, then 200 ``{}``."""

    url: str
    requests: list[Captured] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)
    delay_seconds: float = 0.0


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver(url="")

    async def handle(request: web.Request) -> web.Response:
        state.requests.append(
            Captured(
                request.path,
                {k.lower(): v for k, v in request.headers.items()},
                await request.read(),
            )
        )
        if state.delay_seconds:
            await asyncio.sleep(state.delay_seconds)
        status, text = state.answers.pop(0) if state.answers else (200, "{}")
        return web.Response(status=status, text=text, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


def channel_info(
    platform: str, config: dict[str, object], identifier: str | None = None
) -> ChannelInfo:
    return ChannelInfo(
        id=new_id(), workspace_id=new_id(), platform=platform, identifier=identifier, config=config
    )


def captured_request(receiver: Receiver, captured: Captured) -> InboundRequest:
    """What the inbound endpoint would hand a connector for a request the receiver got."""
    return InboundRequest("POST", receiver.url + captured.path, captured.headers, captured.body)


@pytest_asyncio.fixture
async def twilio() -> AsyncIterator[tuple[TwilioSimulator, str]]:
    simulator = TwilioSimulator({TWILIO_SID: TWILIO_TOKEN})
    async with serve(simulator.app) as url:
        yield simulator, url
        await simulator.drain()
    if simulator.callbacks.http is not None:
        await simulator.callbacks.http.aclose()


@pytest_asyncio.fixture
async def whatsapp() -> AsyncIterator[tuple[WhatsAppCloudSimulator, str]]:
    simulator = WhatsAppCloudSimulator(access_token=WA_TOKEN, app_secret=WA_SECRET)
    async with serve(simulator.app) as url:
        yield simulator, url
        await simulator.drain()
    if simulator.callbacks.http is not None:
        await simulator.callbacks.http.aclose()


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def email(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.content)
        assert isinstance(parsed, EmailMessage)
        return parsed


class CapturingHandler:
    """An aiosmtpd handler that keeps every email; RCPT addresses starting ``refuse-`` get a
    550, ``later-`` a 451."""

    def __init__(self) -> None:
        self.delivered: list[Delivered] = []

    async def handle_RCPT(
        self, server: object, session: object, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("refuse-"):
            return "550 5.1.1 no such user"
        if address.startswith("later-"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.delivered.append(
            Delivered(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: CapturingHandler

    @property
    def delivered(self) -> list[Delivered]:
        return self.handler.delivered


@pytest_asyncio.fixture
async def smtp_server() -> AsyncIterator[SmtpServer]:
    """A real aiosmtpd SMTP server on a free loopback port in this event loop; accepts any
    AUTH login except password ``wrong``."""
    handler = CapturingHandler()

    def authenticate(
        server: object, session: object, envelope: object, mechanism: str, auth_data: Any
    ) -> AuthResult:
        return AuthResult(success=auth_data.password != b"wrong", handled=False)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, authenticator=authenticate, auth_require_tls=False),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    yield SmtpServer("127.0.0.1", port, handler)
    server.close()
    await server.wait_closed()
