"""The built-in SMTP listener: an aiosmtpd server that takes email for Hubbub's email channels.

It knows nothing of channels or the database: a ``Mailbox`` decides which recipient addresses
exist (unknown ones get ``550`` at RCPT time, so the sending server bounces them at once) and
files each accepted email, answering with the SMTP reply to give. A mailbox that answers
``451`` makes the sending server keep the email and try again later, so nothing is lost when
the database is briefly unavailable."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from aiosmtpd.smtp import SMTP

log = logging.getLogger(__name__)

MAX_EMAIL_BYTES = 25 * 1024 * 1024


class Mailbox(Protocol):
    async def accepts(self, address: str) -> bool:
        """Whether any channel takes email for ``address``."""
        ...

    async def deliver(self, recipients: list[str], raw: bytes) -> str:
        """File the email for ``recipients``; the SMTP reply (``250 ...``, ``451 ...``)."""
        ...


class ListenerHandler:
    """aiosmtpd's hooks (the method names are aiosmtpd's)."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(
        self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        try:
            known = await self.mailbox.accepts(address)
        except Exception:
            log.exception("could not look up SMTP recipient %s", address)
            return "451 4.3.0 Temporary lookup failure, try again later"
        if not known:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        return await self.mailbox.deliver(list(envelope.rcpt_tos), raw)


async def listen(
    mailbox: Mailbox,
    host: str,
    port: int,
    stop: asyncio.Event,
    *,
    ready: Callable[[int], None] | None = None,
) -> None:
    """Serve SMTP on ``host:port`` until ``stop`` is set; ``ready`` gets the bound port.
    ``reuse_port`` lets several Hubbub processes on one machine share the port."""
    handler = ListenerHandler(mailbox)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, data_size_limit=MAX_EMAIL_BYTES, hostname="hubbub"),
        host,
        port,
        reuse_port=True,
    )
    bound = server.sockets[0].getsockname()[1]
    log.info("SMTP listener on %s:%s", host, bound)
    if ready is not None:
        ready(bound)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
