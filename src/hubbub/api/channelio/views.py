"""Core objects rendered as Channel.io's: User, UserChat, Message, Bot. Times are epoch
milliseconds; ``channelId`` (Channel.io's account) is the Hubbub workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hubbub.agents.schemas import Agent
from hubbub.api.channelio import defaults
from hubbub.api.channelio.mapping import from_core
from hubbub.contacts.schemas import Contact
from hubbub.conversations.schemas import Conversation
from hubbub.kit.clock import to_millis
from hubbub.kit.tags import public_tags
from hubbub.messages.schemas import Message

_USER_FIELD_NAMES = set(defaults.USER_FIELD_ATTRIBUTES.values())


def millis(value: datetime | None) -> int | None:
    return None if value is None else to_millis(value)


def member_id_of(contact: Contact) -> str | None:
    found = (i.value for i in contact.identifiers if i.key == defaults.MEMBER_ID_KEY)
    return next(found, None)


def profile_of(contact: Contact) -> dict[str, Any]:
    """The contact's name and the attributes that are not user-level fields."""
    profile = {k: v for k, v in contact.attributes.items() if k not in _USER_FIELD_NAMES}
    if contact.name is not None:
        profile["name"] = contact.name
    return profile


def user(contact: Contact) -> dict[str, Any]:
    profile = profile_of(contact)
    member_id = member_id_of(contact)
    view: dict[str, Any] = {
        "id": contact.id,
        "channelId": contact.workspace_id,
        "memberId": member_id,
        "member": member_id is not None,
        "name": contact.name,
        "profile": profile,
        "tags": sorted(public_tags(contact.tags)),
        "createdAt": millis(contact.created_at),
        "updatedAt": millis(contact.updated_at),
    }
    for wire_name, attribute in defaults.USER_FIELD_ATTRIBUTES.items():
        if attribute in contact.attributes:
            view[wire_name] = contact.attributes[attribute]
    for field in ("email", "mobileNumber", "avatarUrl"):
        if field in profile:
            view[field] = profile[field]
    return {key: value for key, value in view.items() if value is not None}


def user_chat(conversation: Conversation, user_id: str | None) -> dict[str, Any]:
    attributes = conversation.attributes
    state = defaults.STATUS_TO_STATE[conversation.status]
    assignee = conversation.assignee_id
    view: dict[str, Any] = {
        "id": conversation.id,
        "channelId": conversation.workspace_id,
        "userId": user_id,
        "state": state,
        "title": conversation.subject,
        "description": attributes.get(defaults.DESCRIPTION_ATTRIBUTE),
        "tags": sorted(public_tags(conversation.tags)),
        "assigneeId": assignee,
        "managerIds": [] if assignee is None else [assignee],
        "replyCount": conversation.message_count,
        "createdAt": millis(conversation.created_at),
        "updatedAt": millis(conversation.updated_at),
        **{name: attributes.get(legacy) for name, legacy in defaults.LEGACY_STATE_STAMPS.items()},
        "expiresAt": millis(conversation.snoozed_until),
    }
    if conversation.status_changed_at is not None:
        view[defaults.STATE_STAMP[state]] = millis(conversation.status_changed_at)
    return {key: value for key, value in view.items() if value is not None}


def manager(found: Agent) -> dict[str, Any]:
    """An agent as a Channel.io Manager (the documented fields Hubbub has)."""
    return {
        "id": found.id,
        "channelId": found.workspace_id,
        "name": found.name,
        "email": found.email,
        "createdAt": millis(found.created_at),
        "updatedAt": millis(found.updated_at),
    }


def person_id(found: Message) -> str:
    if found.author.type == "bot":
        return found.author.id or defaults.DEFAULT_BOT_NAME
    return found.author.id or found.author.type


def message(found: Message) -> dict[str, Any]:
    view: dict[str, Any] = {
        "chatKey": f"userChat-{found.conversation_id}",
        "id": found.id,
        "channelId": found.workspace_id,
        "chatType": "userChat",
        "chatId": found.conversation_id,
        "personType": defaults.PERSON_TYPES[found.author.type],
        "personId": person_id(found),
        "requestId": found.reference,
        "createdAt": millis(found.created_at),
        "updatedAt": millis(found.updated_at),
        "state": defaults.STATUS_TO_MESSAGE_STATE[found.status],
    }
    view.update(from_core(found.payload, found.text, found.tags))
    return {key: value for key, value in view.items() if value is not None}


def bot(name: str, workspace_id: str) -> dict[str, Any]:
    """Hubbub has no bot entities: a bot is known by the name it wrote under."""
    return {"id": name, "channelId": workspace_id, "name": name}
