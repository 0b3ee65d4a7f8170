"""The Chat API's shapes ↔ the core's: payloads, messages, users and conversations.

Every Chat payload type has a core equivalent except ``bloc`` (a list of simple payloads),
which is kept whole as a core ``custom`` payload named ``bloc``. Core payloads without a Chat
equivalent (templates, rich blocks, other custom payloads) reach the user as their plain text,
since a Chat client can only show the Chat types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hubbub.api.webchat.schemas import (
    AudioBody,
    BlocBody,
    CardBody,
    CarouselBody,
    CarouselCard,
    ChatPayload,
    ChoiceBody,
    DropdownBody,
    FileBody,
    ImageBody,
    LocationBody,
    MarkdownBody,
    TextBody,
    VideoBody,
)
from hubbub.bot_events.schemas import BotEvent
from hubbub.contacts.schemas import Contact
from hubbub.conversations.schemas import Conversation
from hubbub.kit.tags import public_tags
from hubbub.messages.payloads import (
    Action,
    AudioPayload,
    CardPayload,
    CarouselPayload,
    ChoicePayload,
    CustomPayload,
    DropdownPayload,
    FilePayload,
    ImagePayload,
    LocationPayload,
    MarkdownPayload,
    Option,
    Payload,
    TextPayload,
    VideoPayload,
)
from hubbub.messages.schemas import Author, Message

BLOC = "bloc"
# Contact attributes holding the Chat user's picture and free-form profile.
PICTURE_ATTRIBUTE = "picture_url"
PROFILE_ATTRIBUTE = "profile"


def iso(value: datetime) -> str:
    """Botpress's timestamps: UTC, milliseconds, ``Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# -- payloads ----------------------------------------------------------------------------------


def payload_to_core(body: ChatPayload) -> Payload:
    match body:
        case TextBody():
            return TextPayload(text=body.text)
        case MarkdownBody():
            return MarkdownPayload(markdown=body.markdown)
        case ImageBody():
            return ImagePayload(url=body.imageUrl)
        case AudioBody():
            return AudioPayload(url=body.audioUrl)
        case VideoBody():
            return VideoPayload(url=body.videoUrl)
        case FileBody():
            return FilePayload(url=body.fileUrl, filename=body.title)
        case LocationBody():
            return LocationPayload(**body.model_dump(exclude={"type"}))
        case CardBody():
            return _card_to_core(body)
        case CarouselBody():
            return CarouselPayload(items=[_card_to_core(item) for item in body.items])
        case ChoiceBody() | DropdownBody():
            options = [Option(label=o.label, value=o.value) for o in body.options]
            if isinstance(body, ChoiceBody):
                return ChoicePayload(text=body.text, options=options)
            return DropdownPayload(text=body.text, options=options)
        case BlocBody():
            return CustomPayload(name=BLOC, data=body.model_dump(mode="json", exclude={"type"}))


def _card_to_core(card: CardBody | CarouselCard) -> CardPayload:
    return CardPayload(
        title=card.title,
        subtitle=card.subtitle,
        image_url=card.imageUrl,
        actions=[Action(**action.model_dump()) for action in card.actions],
    )


def payload_from_core(message: Message) -> dict[str, Any]:
    payload = message.payload
    match payload:
        case TextPayload():
            return {"type": "text", "text": payload.text}
        case MarkdownPayload():
            return {"type": "markdown", "markdown": payload.markdown}
        case ImagePayload():
            return {"type": "image", "imageUrl": payload.url}
        case AudioPayload():
            return {"type": "audio", "audioUrl": payload.url}
        case VideoPayload():
            return {"type": "video", "videoUrl": payload.url}
        case FilePayload():
            return _without_none(
                {"type": "file", "fileUrl": payload.url, "title": payload.filename}
            )
        case LocationPayload():
            return payload.model_dump(mode="json", exclude_none=True)
        case CardPayload():
            return {"type": "card", **_card_from_core(payload)}
        case CarouselPayload():
            return {"type": "carousel", "items": [_card_from_core(i) for i in payload.items]}
        case ChoicePayload() | DropdownPayload():
            return payload.model_dump(mode="json")
        case CustomPayload(name="bloc"):
            return {"type": BLOC, **payload.data}
    return {"type": "text", "text": message.text or f"[{message.type}]"}


def _card_from_core(card: CardPayload) -> dict[str, Any]:
    return _without_none(
        {
            "title": card.title,
            "subtitle": card.subtitle,
            "imageUrl": card.image_url,
            "actions": [action.model_dump(mode="json") for action in card.actions],
        }
    )


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


# -- resources ---------------------------------------------------------------------------------


def author_id(message: Message) -> str:
    """The Chat ``userId`` of a message: see ``user_id_of``."""
    return user_id_of(message.author)


def user_id_of(author: Author) -> str:
    """The Chat ``userId`` of an author: the contact who wrote it, else who sent it (an
    agent's or bot's id, else its kind: ``bot``, ``agent``, ``system``)."""
    return author.id or author.type


def chat_message(message: Message) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": message.id,
        "createdAt": iso(message.created_at),
        "payload": payload_from_core(message),
        "userId": author_id(message),
        "conversationId": message.conversation_id,
    }
    if metadata := public_tags(message.tags):
        body["metadata"] = metadata
    return body


def chat_signal_message(message: Message) -> dict[str, Any]:
    """A message as the listen stream's ``message_created`` signal carries it."""
    return {**chat_message(message), "isBot": message.direction == "outgoing"}


def chat_signal_deleted(message_id: str, conversation_id: str, author: Author) -> dict[str, Any]:
    """A deleted message as the listen stream's ``message_deleted`` signal carries it."""
    return {"id": message_id, "conversationId": conversation_id, "userId": user_id_of(author)}


def chat_signal_participant(conversation_id: str, contact_id: str) -> dict[str, Any]:
    """A participant as the ``participant_added`` and ``participant_removed`` signals name him."""
    return {"conversationId": conversation_id, "participantId": contact_id}


def chat_user(contact: Contact) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": contact.id,
        "createdAt": iso(contact.created_at),
        "updatedAt": iso(contact.updated_at),
    }
    if contact.name is not None:
        body["name"] = contact.name
    for field, attribute in (("pictureUrl", PICTURE_ATTRIBUTE), ("profile", PROFILE_ATTRIBUTE)):
        value = contact.attributes.get(attribute)
        if isinstance(value, str):
            body[field] = value
    return body


def chat_conversation(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "createdAt": iso(conversation.created_at),
        "updatedAt": iso(conversation.updated_at),
    }


def chat_event(event: BotEvent) -> dict[str, Any]:
    """A custom event; one a bot created without a user is the bot's, as its messages are."""
    return {
        "id": event.id,
        "createdAt": iso(event.created_at),
        "payload": event.payload,
        "conversationId": event.conversation_id,
        "userId": event.user_id or "bot",
    }


def chat_signal_event(event: BotEvent) -> dict[str, Any]:
    """A custom event as the listen stream's ``event_created`` signal carries it."""
    return {**chat_event(event), "isBot": event.user_id is None}
