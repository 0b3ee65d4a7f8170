"""What a channel receives: messages from contacts and status callbacks for what we sent.

``receive`` is the one entry point for every inbound source (provider webhooks through
``POST /inbound/{channel_id}``, the email listener, the sandbox's injected messages), called in
the caller's transaction after the connector has verified and parsed the request:

- a message finds (or creates) its sender as a contact by the identifier it came from, then its
  conversation: the one holding the message it replies to (by provider id), else the contact's
  conversation on the channel; it is stored ``incoming``, which opens the WhatsApp window. A
  provider delivering the same message twice (same provider id) stores it once.
- a status update finds the message by its provider id and moves it through the monotonic
  status machine, so a duplicate or late callback never moves it backwards. One that names a
  provider id not stored yet is parked (``delivery.parked``) until the runner stores it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from hubbub.connectors.base import ChannelInfo, InboundBatch, InboundMessage, StatusUpdate
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.delivery.parked_repository import ParkedStatusRepository
from hubbub.delivery.repository import DeliveryRepository
from hubbub.errors import InvalidInput
from hubbub.kit.clock import utcnow
from hubbub.kit.ids import new_id
from hubbub.messages.schemas import Failure, Message, MessageCreate
from hubbub.messages.schemas import StatusUpdate as CoreStatusUpdate
from hubbub.messages.service import message as message_service
from hubbub.messages.status import failure_stage

log = logging.getLogger(__name__)

# The column's width; a longer id cannot match a stored one anyway.
MAX_PROVIDER_ID = 200


async def receive(session: Session, channel: ChannelInfo, batch: InboundBatch) -> list[Message]:
    """Store the batch's messages and apply its status updates; the messages stored (a
    duplicate delivery of one already stored is not stored again, nor returned)."""
    stored: list[Message] = []
    for item in batch.messages:
        message = await _receive_message(session, channel, item)
        if message is not None:
            stored.append(message)
    for update in batch.statuses:
        await apply_status(session, channel, update)
    return stored


async def _receive_message(
    session: Session, channel: ChannelInfo, item: InboundMessage
) -> Message | None:
    repository = DeliveryRepository(session)
    workspace_id = channel.workspace_id
    if item.provider_message_id and await repository.message_id_for_provider_id(
        workspace_id, item.provider_message_id, channel_id=channel.id
    ):
        return None
    conversation_id = await repository.conversation_of_provider_ids(
        workspace_id, channel.id, item.in_reply_to
    ) or await _contact_conversation(session, channel, item)
    data = _message_create(item, conversation_id)
    previous_inbound = await repository.last_inbound_at(workspace_id, conversation_id)
    message = await message_service.create(session, workspace_id, data, actor_kind="contact")
    if item.provider_message_id:
        await repository.set_provider_id(workspace_id, message.id, item.provider_message_id)
    if item.received_at is not None and item.received_at < message.created_at:
        # The window runs from when the contact wrote, not from when the provider told us.
        await _date_last_inbound(repository, message, item.received_at, previous_inbound)
    return message


async def _contact_conversation(
    session: Session, channel: ChannelInfo, item: InboundMessage
) -> str:
    """The sender's conversation on the channel (the one outgoing messages to them use)."""
    sender, _ = await contact_service.get_or_create_by_identifier(
        session, channel.workspace_id, key=item.sender.key, value=item.sender.value
    )
    conversation, _ = await conversation_service.get_or_create_for_contacts(
        session, channel.workspace_id, channel_id=channel.id, contact_ids=[sender.id]
    )
    return conversation.id


def _message_create(item: InboundMessage, conversation_id: str) -> MessageCreate:
    body: dict[str, Any] = {
        "conversation_id": conversation_id,
        "direction": "incoming",
        "recipients": [{"key": item.sender.key, "value": item.sender.value}],
        "payload": dict(item.payload),
        "subject": item.subject,
        "tags": dict(item.tags),
    }
    try:
        return MessageCreate.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "message"
        raise InvalidInput(f"inbound message: {field}: {first['msg']}", field=field) from error


async def _date_last_inbound(
    repository: DeliveryRepository,
    message: Message,
    received_at: datetime,
    previous: datetime | None,
) -> None:
    latest = received_at if previous is None else max(previous, received_at)
    await repository.set_last_inbound_at(message.workspace_id, message.conversation_id, latest)


async def apply_status(session: Session, channel: ChannelInfo, update: StatusUpdate) -> bool:
    """Apply one provider status; False when the change is a duplicate, late or backward (then
    nothing is written) or when the message is not known yet. A status for a provider id not
    stored yet is parked: a fast provider can call back between answering the send and the
    runner storing its id, and the runner applies the parked statuses when it does."""
    repository = DeliveryRepository(session)
    message_id = await repository.message_id_for_provider_id(
        channel.workspace_id, update.provider_message_id, channel_id=channel.id or None
    )
    if message_id is None:
        await _park(session, channel, update)
        return False
    return await apply_to_message(session, channel.workspace_id, message_id, update)


async def apply_to_message(
    session: Session, workspace_id: str, message_id: str, update: StatusUpdate
) -> bool:
    """Move the message through the status machine as the provider says; whether it moved."""
    current = await message_service.get_or_raise(session, workspace_id, message_id)
    failure = None
    if update.status == "failed":
        failure = Failure(
            stage=failure_stage(current.status),
            code=_clip(update.failure_code, 100),
            reason=_clip(update.failure_reason, 2000),
        )
    _, changed = await message_service.update_status(
        session,
        workspace_id,
        message_id,
        CoreStatusUpdate(status=update.status, failure=failure),
        known=current,
    )
    return changed


async def _park(session: Session, channel: ChannelInfo, update: StatusUpdate) -> None:
    if not channel.id:  # only a real channel's provider calls back
        log.info("status %s for unknown provider id %s", update.status, update.provider_message_id)
        return
    await ParkedStatusRepository(session).insert(
        {
            "id": new_id(),
            "workspace_id": channel.workspace_id,
            "channel_id": channel.id,
            "provider_message_id": update.provider_message_id[:MAX_PROVIDER_ID],
            "status": update.status,
            "at": update.at,
            "failure_code": _clip(update.failure_code, 100),
            "failure_reason": _clip(update.failure_reason, 2000),
            "details": dict(update.details),
            "received_at": utcnow(),
        }
    )


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else None
