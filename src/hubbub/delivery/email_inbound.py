"""Inbound email into the core: the SMTP listener's mailbox and the raw-MIME upload.

Both parse the email with ``hubbub.connectors.mime`` and hand it to ``delivery.inbound.receive``
as an ``InboundBatch``: the sender becomes (or finds) a contact, and ``In-Reply-To`` /
``References`` thread a reply into the conversation of the email it answers.

The listener is an API loop that runs only when ``HUBBUB_SMTP_LISTEN_PORT`` is set; it maps
each RCPT address to the email channels whose ``identifier`` is that address (in any
workspace). An email is filed in one transaction for all its recipients' channels before the
listener answers ``250``; a failure answers ``451`` so the sending server retries."""

from __future__ import annotations

import logging

from hubbub.channels.schemas import Channel
from hubbub.channels.service import channel as channel_service
from hubbub.connectors.base import InboundBatch
from hubbub.connectors.email import parse_raw
from hubbub.connectors.smtp_listener import listen
from hubbub.db.uow import Database, Session
from hubbub.delivery.channels import channel_info
from hubbub.delivery.inbound import receive
from hubbub.delivery.inbound_media import store_in_hand
from hubbub.errors import HubbubError
from hubbub.media.service import media as media_service
from hubbub.messages.schemas import Message
from hubbub.process.context import LoopContext

log = logging.getLogger(__name__)

EMAIL = "email"


async def receive_raw_email(
    session: Session, channel: Channel, raw: bytes, *, base_url: str | None = None
) -> list[Message]:
    """File one raw email on ``channel``: its text, then one message per attachment (stored as
    media, linked on ``base_url``, default the configured public URL); the messages stored
    (none for a re-delivered email whose Message-ID the channel already has). ``InvalidInput``
    when it is not an email."""
    info = channel_info(channel)
    base = base_url or media_service.config.public_base_url
    messages = await store_in_hand(session, info, parse_raw(raw), base_url=base)
    return await receive(session, info, InboundBatch(messages=tuple(messages)))


class ChannelMailbox:
    """The listener's ``Mailbox``: recipients are email channels' identifiers."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def accepts(self, address: str) -> bool:
        async with self.database.read() as session:
            return bool(await self._channels(session, [address]))

    async def deliver(self, recipients: list[str], raw: bytes) -> str:
        try:
            async with self.database.transaction() as session:
                channels = await self._channels(session, recipients)
                if not channels:
                    return "550 5.1.1 no such mailbox here"
                for channel in channels:
                    await receive_raw_email(session, channel, raw)
        except HubbubError as error:  # not an email we can file: bounce it
            return f"554 5.6.0 {error.message}"[:500]
        except Exception:
            log.exception("could not file an inbound email")
            return "451 4.3.0 Could not store the message, try again later"
        return "250 2.0.0 OK: queued in Hubbub"

    async def _channels(self, session: Session, addresses: list[str]) -> list[Channel]:
        found: dict[str, Channel] = {}
        for address in addresses:
            for channel in await channel_service.find_by_identifier(
                session, platform=EMAIL, identifier=address.strip()
            ):
                found.setdefault(channel.id, channel)
        return list(found.values())


async def run_smtp_listener(context: LoopContext) -> None:
    port = context.settings.smtp_listen_port
    if port is None:  # not configured: idle until the process stops
        await context.stop.wait()
        return
    mailbox = ChannelMailbox(context.database)
    await listen(mailbox, context.settings.smtp_listen_host, port, context.stop)
