"""Botpress wire shapes ↔ core models. Pure functions: the endpoints call the services.

Where Botpress fields live in the core:

- message ``userId`` is the message author's id (a contact for incoming messages, the bot's
  user for outgoing ones); ``schedule`` is ``scheduled_for``; ``origin`` is kept as is.
- conversation ``channel`` and ``properties`` are the attributes ``botpress.channel`` and
  ``botpress.properties``; ``integration`` is the core channel (see ``integrations``).
- a user is a contact: ``pictureUrl``, ``properties`` and ``attributes`` are the contact
  attributes ``botpress.pictureUrl``, ``botpress.properties`` and ``botpress.attributes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hubbub.api.botpress import payloads
from hubbub.api.botpress.schemas import (
    ConversationCreateBody,
    ConversationGetOrCreateBody,
    ConversationUpdateBody,
    EventCreateBody,
    ImportedMessage,
    IncomingMessage,
    MessageCreateBody,
    MessageGetOrCreateBody,
    MessageUpdateBody,
    Schedule,
    StatePatchBody,
    StateSetBody,
    UserCreateBody,
    UserGetOrCreateBody,
    UserUpdateBody,
    parse_datetime,
)
from hubbub.bot_events.schemas import BotEvent, BotEventCreate
from hubbub.bot_states.schemas import BotState, StateKey, StateWrite
from hubbub.contacts.schemas import Contact, ContactCreate, ContactGetOrCreateByTags, ContactUpdate
from hubbub.conversations.schemas import (
    Conversation,
    ConversationCreate,
    ConversationGetOrCreate,
    ConversationUpdate,
)
from hubbub.errors import InvalidInput
from hubbub.kit.clock import isoformat, utcnow
from hubbub.kit.tags import apply_tag_patch, public_tags
from hubbub.messages.schemas import (
    Author,
    Message,
    MessageCreate,
    MessageGetOrCreate,
    MessageUpdate,
)

CHANNEL_ATTR = "botpress.channel"
PROPERTIES_ATTR = "botpress.properties"
PICTURE_ATTR = "botpress.pictureUrl"
USER_ATTRIBUTES_ATTR = "botpress.attributes"

Model = TypeVar("Model", bound=BaseModel)


def build(model: type[Model], **values: Any) -> Model:
    """A core command from mapped values; a value the core refuses is the caller's mistake."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or None
        raise InvalidInput(f"invalid value for '{field}': {first['msg']}", field=field) from error


def removals_as_empty(tags: Mapping[str, str | None]) -> dict[str, str]:
    """A tag patch for core commands that take plain strings: "" removes a tag there too."""
    return {key: "" if value is None else value for key, value in tags.items()}


def schedule_time(schedule: Schedule | None) -> datetime | None:
    if schedule is None:
        return None
    if schedule.dateTime is not None:
        return parse_datetime(schedule.dateTime)
    assert schedule.delay is not None  # the schema requires one of the two
    return utcnow() + timedelta(milliseconds=schedule.delay)


# -- messages ------------------------------------------------------------------------------


def message_author(user_id: str, *, incoming: bool) -> Author:
    return Author(type="contact" if incoming else "bot", id=user_id)


def message_create(body: MessageCreateBody, *, incoming: bool) -> MessageCreate:
    return build(
        MessageCreate,
        conversation_id=body.conversationId,
        direction="incoming" if incoming else "outgoing",
        author=message_author(body.userId, incoming=incoming),
        payload=payloads.to_core(body.type, body.payload),
        tags=apply_tag_patch({}, body.tags),
        origin=body.origin,
        scheduled_for=schedule_time(body.schedule),
    )


def message_get_or_create(body: MessageGetOrCreateBody, *, incoming: bool) -> MessageGetOrCreate:
    payload = None if body.payload is None else payloads.to_core(body.type, body.payload)
    return build(
        MessageGetOrCreate,
        conversation_id=body.conversationId,
        direction="incoming" if incoming else "outgoing",
        author=message_author(body.userId, incoming=incoming),
        payload=payload,
        tags=removals_as_empty(body.tags),
        origin=body.origin,
        scheduled_for=schedule_time(body.schedule),
        discriminate_by_tags=body.discriminateByTags,
    )


def message_update(current: Message, body: MessageUpdateBody) -> MessageUpdate:
    """The type of a message cannot change: a new payload is read as the current type's."""
    message_type, _ = payloads.from_core(current.payload)
    payload = None if body.payload is None else payloads.to_core(message_type, body.payload)
    return build(MessageUpdate, payload=payload, tags=body.tags)


def message_out(message: Message) -> dict[str, Any]:
    message_type, payload = payloads.from_core(message.payload)
    user_id = message.author.id or next((r.contact_id for r in message.recipients), "")
    out: dict[str, Any] = {
        "id": message.id,
        "createdAt": isoformat(message.created_at),
        "updatedAt": isoformat(message.updated_at),
        "type": message_type,
        "payload": payload,
        "direction": message.direction,
        "userId": user_id,
        "conversationId": message.conversation_id,
        "tags": public_tags(message.tags),
    }
    if message.origin == "synthetic":
        out["origin"] = "synthetic"
    return out


# -- conversations -------------------------------------------------------------------------


def conversation_create(body: ConversationCreateBody, channel_id: str) -> ConversationCreate:
    return build(
        ConversationCreate,
        channel_id=channel_id,
        tags=apply_tag_patch({}, body.tags),
        attributes=_conversation_attributes(body.channel, body.properties or {}),
    )


def conversation_get_or_create(
    body: ConversationGetOrCreateBody, channel_id: str
) -> ConversationGetOrCreate:
    return build(
        ConversationGetOrCreate,
        channel_id=channel_id,
        tags=removals_as_empty(body.tags),
        attributes=_conversation_attributes(body.channel, body.properties or {}),
        discriminate_by_tags=body.discriminateByTags,
    )


def _conversation_attributes(channel: str, properties: Mapping[str, str | None]) -> dict[str, Any]:
    return {CHANNEL_ATTR: channel, PROPERTIES_ATTR: apply_tag_patch({}, properties)}


def conversation_update(current: Conversation, body: ConversationUpdateBody) -> ConversationUpdate:
    """Tags and properties are patched: null or "" removes a key, others are left alone."""
    attributes = None
    if body.properties is not None:
        properties = apply_tag_patch(
            _string_map(current.attributes, PROPERTIES_ATTR), body.properties
        )
        attributes = {**current.attributes, PROPERTIES_ATTR: properties}
    return build(ConversationUpdate, tags=body.tags, attributes=attributes)


def conversation_out(conversation: Conversation, integration: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": conversation.id,
        "createdAt": isoformat(conversation.created_at),
        "updatedAt": isoformat(conversation.updated_at),
        "channel": str(conversation.attributes.get(CHANNEL_ATTR) or "channel"),
        "integration": integration,
        "tags": public_tags(conversation.tags),
        "messageCount": conversation.message_count,
    }
    properties = _string_map(conversation.attributes, PROPERTIES_ATTR)
    if properties:
        out["properties"] = properties
    return out


# -- users ---------------------------------------------------------------------------------


def user_create(body: UserCreateBody) -> ContactCreate:
    return build(
        ContactCreate,
        name=body.name,
        tags=apply_tag_patch({}, body.tags),
        attributes=_user_attributes({}, body.pictureUrl, body.properties, body.attributes),
    )


def user_get_or_create(body: UserGetOrCreateBody) -> ContactGetOrCreateByTags:
    return build(
        ContactGetOrCreateByTags,
        name=body.name,
        tags=body.tags,
        attributes=_user_attributes({}, body.pictureUrl, body.properties, body.attributes),
        discriminate_by_tags=body.discriminateByTags,
    )


def user_update(current: Contact, body: UserUpdateBody) -> ContactUpdate:
    """Tags, properties and attributes are patched; an explicit null name or picture clears
    it, an absent one leaves it."""
    given = body.model_fields_set
    values: dict[str, Any] = {"tags": body.tags}
    if "name" in given:
        values["name"] = body.name
    attributes = dict(current.attributes)
    if "pictureUrl" in given:
        attributes.pop(PICTURE_ATTR, None)
    attributes = _user_attributes(attributes, body.pictureUrl, body.properties, body.attributes)
    if attributes != current.attributes:
        values["attributes"] = attributes
    return build(ContactUpdate, **values)


def _user_attributes(
    current: dict[str, Any],
    picture_url: str | None,
    properties: Mapping[str, str | None] | None,
    attributes: Mapping[str, str | None] | None,
) -> dict[str, Any]:
    merged = dict(current)
    if picture_url:
        merged[PICTURE_ATTR] = picture_url
    for name, patch in ((PROPERTIES_ATTR, properties), (USER_ATTRIBUTES_ATTR, attributes)):
        if patch is not None:
            merged[name] = apply_tag_patch(_string_map(merged, name), patch)
    return merged


def user_out(contact: Contact) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": contact.id,
        "createdAt": isoformat(contact.created_at),
        "updatedAt": isoformat(contact.updated_at),
        "tags": public_tags(contact.tags),
    }
    if contact.name:
        out["name"] = contact.name
    picture = contact.attributes.get(PICTURE_ATTR)
    if isinstance(picture, str) and picture:
        out["pictureUrl"] = picture
    for wire, stored in (("properties", PROPERTIES_ATTR), ("attributes", USER_ATTRIBUTES_ATTR)):
        values = _string_map(contact.attributes, stored)
        if values:
            out[wire] = values
    return out


def _string_map(attributes: Mapping[str, Any], name: str) -> dict[str, str]:
    stored = attributes.get(name)
    if not isinstance(stored, dict):
        return {}
    return {str(key): str(value) for key, value in stored.items()}


# -- events --------------------------------------------------------------------------------


def event_create(body: EventCreateBody) -> BotEventCreate:
    return build(
        BotEventCreate,
        type=body.type,
        payload=body.payload,
        conversation_id=body.conversationId,
        user_id=body.userId,
        message_id=body.messageId,
        workflow_id=body.workflowId,
        scheduled_for=schedule_time(body.schedule),
    )


def event_out(event: BotEvent) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": event.id,
        "createdAt": isoformat(event.created_at),
        "type": event.type,
        "payload": event.payload,
    }
    for wire, value in (
        ("conversationId", event.conversation_id),
        ("userId", event.user_id),
        ("messageId", event.message_id),
    ):
        if value is not None:
            out[wire] = value
    out["status"] = event.status
    out["failureReason"] = event.failure_reason  # required by the client, and may be null
    return out


# -- imports and incoming messages ---------------------------------------------------------


def required_discriminators(names: list[str]) -> list[str] | None:
    """Where the client must send ``discriminateByTags``, an empty list is how it says "none
    given": every tag then discriminates, as when the field is left out elsewhere (an empty
    list taken literally would match nothing and create a duplicate on every call)."""
    return names or None


def message_import(item: ImportedMessage, *, incoming: bool) -> tuple[MessageGetOrCreate, datetime]:
    """An imported message as a get-or-create, and the time it is dated."""
    data = build(
        MessageGetOrCreate,
        conversation_id=item.conversationId,
        direction="incoming" if incoming else "outgoing",
        author=message_author(item.userId, incoming=incoming),
        payload=payloads.to_core(item.type, item.payload),
        tags=item.tags,
        discriminate_by_tags=required_discriminators(item.discriminateByTags),
    )
    return data, parse_datetime(item.createdAt)


def incoming_message(
    message: IncomingMessage, *, user_id: str, conversation_id: str
) -> MessageGetOrCreate:
    return build(
        MessageGetOrCreate,
        conversation_id=conversation_id,
        direction="incoming",
        author=message_author(user_id, incoming=True),
        payload=payloads.to_core(message.type, message.payload),
        tags=message.tags,
        origin=message.origin,
        discriminate_by_tags=required_discriminators(message.discriminateByTags),
    )


# -- states --------------------------------------------------------------------------------


def state_key(state_type: str, owner_id: str, name: str) -> StateKey:
    return build(StateKey, type=state_type, owner_id=owner_id, name=name)


def state_write(body: StateSetBody | StatePatchBody) -> StateWrite:
    """Only an ``expiry`` the request sent changes it (null included)."""
    values: dict[str, Any] = {"payload": body.payload}
    if "expiry" in body.model_fields_set:
        values["expiry"] = body.expiry
    return build(StateWrite, **values)


def state_out(state: BotState) -> dict[str, Any]:
    """Exactly the fields of client 1.45's State; the owner appears as ``conversationId`` or
    ``userId`` for those types (a bot state's owner is ``botId``)."""
    out: dict[str, Any] = {
        "id": state.id,
        "createdAt": isoformat(state.created_at),
        "updatedAt": isoformat(state.updated_at),
        "botId": state.workspace_id,
    }
    if state.type == "conversation":
        out["conversationId"] = state.owner_id
    elif state.type == "user":
        out["userId"] = state.owner_id
    out.update(name=state.name, type=state.type, payload=state.payload)
    if state.expiry_ms is not None:
        out["expiry"] = state.expiry_ms
    if state.expires_at is not None:
        out["expiresAt"] = isoformat(state.expires_at)
    return out
