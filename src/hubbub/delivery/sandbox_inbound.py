"""Inbound messages on demand for sandbox channels (the native API and ``hubbub sandbox
inbound``): the same path a provider's webhook takes, minus the provider."""

from __future__ import annotations

from datetime import datetime

from hubbub.channels.schemas import Channel
from hubbub.connectors import registry
from hubbub.connectors.base import Address, InboundBatch, InboundMessage
from hubbub.db.uow import Session
from hubbub.delivery.channels import channel_info
from hubbub.delivery.inbound import receive
from hubbub.errors import UnprocessableEntity
from hubbub.kit.ids import new_id
from hubbub.messages.schemas import Message


async def inject(
    session: Session, channel: Channel, *, sender: str, text: str, at: datetime | None = None
) -> Message:
    """Store ``text`` as written by ``sender`` (an identifier under the platform's default key,
    or ``key:value``) on the sandbox ``channel``."""
    info = channel_info(channel)
    if not registry.is_sandboxed(info):
        raise UnprocessableEntity(
            "the channel is not a sandbox channel: its inbound messages come from its provider "
            "(or, on webchat, from its users)",
            field="channel_id",
        )
    key, value = _identifier(channel, sender)
    item = InboundMessage(
        sender=Address(key=key, value=value),
        payload={"type": "text", "text": text},
        provider_message_id=f"sandbox-in-{new_id()}",
        received_at=at,
    )
    [stored] = await receive(session, info, InboundBatch(messages=(item,)))
    return stored


def _identifier(channel: Channel, sender: str) -> tuple[str, str]:
    key, sep, value = sender.partition(":")
    if sep and value and key.isalpha():
        return key.lower(), value
    return registry.identifier_key(channel.platform), sender
