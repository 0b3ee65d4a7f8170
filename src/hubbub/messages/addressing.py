"""Where a new message goes: its conversation, its channel, its recipients and its author.

A message names its conversation, or a channel with recipients; then each recipient is found or
created as a contact (under the channel platform's identifier key when it names none) and the
conversation of the channel with exactly those contacts is found or created.

On an outgoing message the recipients are who it is sent to (by default the conversation's
contacts). On an incoming message they name who it came from: they find the conversation, the
first becomes the author, and the message itself stores none (the workspace received it).
"""

from __future__ import annotations

from dataclasses import dataclass

from hubbub.channels.schemas import Channel
from hubbub.channels.service import channel as channel_service
from hubbub.connectors import registry
from hubbub.contacts.schemas import Contact
from hubbub.contacts.service import address_of, normalize_identifier
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.conversations.service import primary_contact_id
from hubbub.db.uow import Session
from hubbub.errors import InvalidInput, UnprocessableEntity
from hubbub.messages.schemas import Author, AuthorType, MessageFields, Recipient, RecipientInput


@dataclass(frozen=True)
class Target:
    conversation_id: str
    channel_id: str | None
    recipients: list[Recipient]
    author: Author


async def resolve_target(
    session: Session, workspace_id: str, data: MessageFields, *, actor_kind: AuthorType
) -> Target:
    # The conversation's contacts, when already read (None: not read yet).
    contact_ids: list[str] | None = None
    if data.conversation_id is not None:
        conversation_id, channel, recipients, contact_ids = await _in_conversation(
            session, workspace_id, data, data.conversation_id
        )
    elif data.channel_id is not None:
        conversation_id, channel, recipients = await _to_contacts(session, workspace_id, data)
    else:
        raise UnprocessableEntity(
            "a message needs conversation_id, or channel_id with recipients",
            field="conversation_id",
        )
    channel_id = channel.id if channel is not None else None
    if data.direction == "outgoing":
        author = data.author or Author(type=actor_kind)
        return Target(conversation_id, channel_id, recipients, author)
    sender_id = recipients[0].contact_id if recipients else None
    if sender_id is None and data.author is None:
        if contact_ids is None:
            contact_ids = await conversation_service.contact_participant_ids(
                session, workspace_id, conversation_id
            )
        sender_id = primary_contact_id(contact_ids)
    author = data.author or Author(type="contact", id=sender_id)
    return Target(conversation_id, channel_id, [], author)


async def _in_conversation(
    session: Session, workspace_id: str, data: MessageFields, conversation_id: str
) -> tuple[str, Channel | None, list[Recipient], list[str]]:
    """The conversation's id, channel, the message's recipients and the conversation's
    contacts, from one read of the conversation (with its channel and participants)."""
    conversation, channel, contact_ids = await conversation_service.get_for_message(
        session, workspace_id, conversation_id
    )
    if data.channel_id and conversation.channel_id and data.channel_id != conversation.channel_id:
        raise UnprocessableEntity(
            "channel_id differs from the conversation's channel", field="channel_id"
        )
    if channel is None and data.channel_id:
        channel = await channel_service.get_or_raise(session, workspace_id, data.channel_id)
    if data.recipients:
        recipients = await _resolve(session, workspace_id, channel, data.recipients)
    elif data.direction == "outgoing":
        recipients = await _participants(session, workspace_id, channel, contact_ids)
    else:
        recipients = []
    return conversation.id, channel, recipients, contact_ids


async def _to_contacts(
    session: Session, workspace_id: str, data: MessageFields
) -> tuple[str, Channel | None, list[Recipient]]:
    assert data.channel_id is not None
    if not data.recipients:
        raise UnprocessableEntity(
            "a message sent by channel_id needs recipients", field="recipients"
        )
    channel = await channel_service.get_or_raise(session, workspace_id, data.channel_id)
    recipients = await _resolve(session, workspace_id, channel, data.recipients)
    contact_ids = list(dict.fromkeys(recipient.contact_id for recipient in recipients))
    conversation, _ = await conversation_service.get_or_create_for_contacts(
        session, workspace_id, channel_id=channel.id, contact_ids=contact_ids
    )
    return conversation.id, channel, recipients


def _check_several(channel: Channel | None, count: int) -> None:
    if count > 1 and not (channel is not None and channel.allows_several_recipients):
        platform = "no channel" if channel is None else f"{channel.platform} channels"
        several = ", ".join(d.name for d in registry.descriptors() if d.several_recipients)
        raise UnprocessableEntity(
            f"a message on {platform} has one recipient; several are for {several} channels",
            field="recipients",
        )


def _check_group(channel: Channel | None, count: int) -> None:
    if count > 1 and not (channel is None or channel.allows_group_conversations):
        raise UnprocessableEntity(
            f"a conversation on {channel.platform} channels has one recipient; this one has "
            f"{count} participants",
            field="recipients",
        )


def _default_key(channel: Channel | None) -> str:
    return registry.identifier_key(channel.platform if channel is not None else None)


async def _resolve(
    session: Session, workspace_id: str, channel: Channel | None, given: list[RecipientInput]
) -> list[Recipient]:
    _check_several(channel, len(given))
    recipients: list[Recipient] = []
    for index, recipient in enumerate(given):
        try:
            identifier = normalize_identifier(
                recipient.key or _default_key(channel), recipient.value
            )
        except InvalidInput as error:
            raise UnprocessableEntity(
                error.message, field=f"recipients.{index}.{error.field or 'value'}"
            ) from error
        contact, _ = await contact_service.get_or_create_by_identifier(
            session, workspace_id, key=identifier.key, value=identifier.value
        )
        recipients.append(
            Recipient(
                contact_id=contact.id,
                key=identifier.key,
                value=identifier.value,
                type=recipient.type,
            )
        )
    return recipients


async def _participants(
    session: Session, workspace_id: str, channel: Channel | None, contact_ids: list[str]
) -> list[Recipient]:
    _check_group(channel, len(contact_ids))
    key = _default_key(channel)
    contacts = await contact_service.get_many(session, workspace_id, contact_ids)
    return [_address(contact, key) for contact in contacts]


def _address(contact: Contact, key: str) -> Recipient:
    chosen = address_of(contact, key)
    if chosen is None:
        return Recipient(contact_id=contact.id)
    return Recipient(contact_id=contact.id, key=chosen.key, value=chosen.value)
