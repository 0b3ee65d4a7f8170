"""Core messages and interactions in Bird's words (A.5, A.6), and Bird's status names onto
the core status machine."""

from __future__ import annotations

from typing import Any

from hubbub.api.bird import defaults
from hubbub.api.bird.bodies import to_bird
from hubbub.channels.schemas import Channel
from hubbub.channels.service import channel as channel_service
from hubbub.contacts.schemas import Contact
from hubbub.contacts.service import contact as contact_service
from hubbub.db.uow import Session
from hubbub.kit.clock import isoformat
from hubbub.kit.tags import private_value, public_tags
from hubbub.messages.schemas import Interaction, Message
from hubbub.messages.status import Status

# Core status → Bird status. ``failed`` splits on the failure's stage; ``read`` is an
# interaction in Bird, so the message stays ``delivered``.
STATUS_NAMES: dict[Status, str] = {
    "scheduled": "scheduled",
    "accepted": "accepted",
    "sending": "processing",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "rejected": "rejected",
    "canceled": "skipped",
    "deleted": "deleted",
}
BIRD_STATUSES = (
    "accepted",
    "processing",
    "sent",
    "delivered",
    "sending_failed",
    "delivery_failed",
    "scheduled",
    "rejected",
    "skipped",
    "deleted",
)


def bird_status(message: Message) -> str:
    if message.status == "failed":
        stage = message.failure.stage if message.failure else "sending"
        return "delivery_failed" if stage == "delivery" else "sending_failed"
    return STATUS_NAMES[message.status]


def core_statuses(name: str) -> list[Status]:
    """The core statuses a Bird status name covers (both failures are ``failed``)."""
    if name in ("sending_failed", "delivery_failed"):
        return ["failed"]
    return [core for core, bird in STATUS_NAMES.items() if bird == name]


def bird_tags(tags: dict[str, str]) -> list[str]:
    return [key for key in public_tags(tags) if not key.startswith(defaults.LEGACY_TAG_PREFIX)]


def _bird_private(tags: dict[str, str], name: str) -> str | None:
    legacy = defaults.LEGACY_TAG_PREFIX + name
    return private_value(tags, defaults.PRIVATE_SURFACE, name, legacy_key=legacy)


def _connector(channel: Channel | None, channel_id: str | None) -> dict[str, Any]:
    connector: dict[str, Any] = {"id": channel_id}
    if channel is not None:
        connector["identifierValue"] = channel.identifier
        connector["annotations"] = {"name": channel.name}
    return {"connector": connector}


def _contact_ref(contact: Contact | None, contact_id: str | None) -> dict[str, Any]:
    first = contact.identifiers[0] if contact and contact.identifiers else None
    return {
        "id": contact_id,
        "identifierKey": first.key if first else None,
        "identifierValue": first.value if first else None,
    }


def _failure(message: Message) -> dict[str, Any] | None:
    if message.failure is None:
        return None
    return {
        "code": message.failure.code,
        "description": message.failure.reason,
        "source": {"name": None},
    }


def render_message(
    message: Message, channel: Channel | None, author: Contact | None
) -> dict[str, Any]:
    """A Bird Message object. ``author`` is the contact who wrote an incoming message."""
    if message.direction == "outgoing":
        sender = _connector(channel, message.channel_id)
        receiver: dict[str, Any] = {
            "contacts": [
                {
                    "id": r.contact_id,
                    "identifierKey": r.key,
                    "identifierValue": r.value,
                    "type": r.type,
                    "platformAddress": r.value,
                }
                for r in message.recipients
            ]
        }
    else:
        sender = {"contact": _contact_ref(author, message.author.id)}
        receiver = _connector(channel, message.channel_id)
    rendered: dict[str, Any] = {
        "id": message.id,
        "channelId": message.channel_id,
        "sender": sender,
        "receiver": receiver,
        **to_bird(message.payload, message.subject),
        "reference": message.reference,
        "parts": [],
        "tags": bird_tags(message.tags),
        "status": bird_status(message),
        "direction": message.direction,
        "reason": message.failure.reason if message.failure else None,
        "failure": _failure(message),
        "batchId": message.batch_id,
        "scheduledFor": isoformat(message.scheduled_for) if message.scheduled_for else None,
        "lastStatusAt": isoformat(message.status_at),
        "createdAt": isoformat(message.created_at),
        "updatedAt": isoformat(message.updated_at),
    }
    reply_id = _bird_private(message.tags, defaults.REPLY_TO_ID)
    if reply_id:
        rendered["replyTo"] = {
            "id": reply_id,
            "type": _bird_private(message.tags, defaults.REPLY_TO_TYPE) or "message",
        }
    return rendered


def render_interaction(entry: Interaction, message: Message) -> dict[str, Any] | None:
    """A Bird MessageInteraction; None for core entries Bird has no interaction for."""
    kind = defaults.INTERACTION_TYPES.get(entry.type)
    if kind is None:
        return None
    return {
        "id": entry.id,
        "messageId": message.id,
        "channelId": message.channel_id,
        "type": kind,
        "messageReference": message.reference,
        "messageTags": bird_tags(message.tags),
        "createdAt": isoformat(entry.created_at),
        "details": entry.details,
    }


class MessageRenderer:
    """Renders messages of one request, loading each channel and author contact once."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self._channels: dict[str, Channel | None] = {}
        self._contacts: dict[str, Contact | None] = {}

    async def render(self, message: Message) -> dict[str, Any]:
        channel = await self._channel(message.channel_id)
        author = None
        if message.direction == "incoming" and message.author.type == "contact":
            author = await self._contact(message.author.id)
        return render_message(message, channel, author)

    async def render_all(self, messages: list[Message]) -> list[dict[str, Any]]:
        return [await self.render(message) for message in messages]

    async def _channel(self, channel_id: str | None) -> Channel | None:
        if channel_id is None:
            return None
        if channel_id not in self._channels:
            self._channels[channel_id] = await channel_service.get(
                self.session, self.workspace_id, channel_id
            )
        return self._channels[channel_id]

    async def _contact(self, contact_id: str | None) -> Contact | None:
        if contact_id is None:
            return None
        if contact_id not in self._contacts:
            self._contacts[contact_id] = await contact_service.get(
                self.session, self.workspace_id, contact_id
            )
        return self._contacts[contact_id]
