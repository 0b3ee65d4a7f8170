"""Request bodies of the end-user API, in the Botpress Chat API's words (``@botpress/chat``):
camelCase fields and the Chat payload union, discriminated by ``type``. Unknown fields and
unknown payload types are refused (400 InvalidPayload) rather than silently dropped."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NonEmpty = Annotated[str, Field(min_length=1, max_length=4096)]
ResourceId = Annotated[str, Field(min_length=1, max_length=64)]
Url = Annotated[str, Field(min_length=1, max_length=4096)]
Caption = Annotated[str, Field(max_length=4096)]
MAX_ITEMS = 20
MAX_OPTIONS = 100


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextBody(_Body):
    type: Literal["text"]
    text: Annotated[str, Field(min_length=1, max_length=4096 * 4)]


class MarkdownBody(_Body):
    type: Literal["markdown"]
    markdown: Annotated[str, Field(min_length=1, max_length=4096 * 4)]


class ImageBody(_Body):
    type: Literal["image"]
    imageUrl: Url


class AudioBody(_Body):
    type: Literal["audio"]
    audioUrl: Url


class VideoBody(_Body):
    type: Literal["video"]
    videoUrl: Url


class FileBody(_Body):
    type: Literal["file"]
    fileUrl: Url
    title: Annotated[str | None, Field(min_length=1, max_length=255)] = None


class LocationBody(_Body):
    type: Literal["location"]
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    address: Caption | None = None
    title: Caption | None = None


class ActionBody(_Body):
    action: Literal["postback", "url", "say"]
    label: NonEmpty
    value: NonEmpty


class OptionBody(_Body):
    label: NonEmpty
    value: NonEmpty


class CardBody(_Body):
    type: Literal["card"]
    title: NonEmpty
    subtitle: NonEmpty | None = None
    imageUrl: Url | None = None
    actions: Annotated[list[ActionBody], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)


class CarouselCard(_Body):
    """A card inside a carousel: the card without its ``type``."""

    title: NonEmpty
    subtitle: NonEmpty | None = None
    imageUrl: Url | None = None
    actions: Annotated[list[ActionBody], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)


class CarouselBody(_Body):
    type: Literal["carousel"]
    items: Annotated[list[CarouselCard], Field(min_length=1, max_length=MAX_ITEMS)]


class ChoiceBody(_Body):
    type: Literal["choice"]
    text: NonEmpty
    options: Annotated[list[OptionBody], Field(max_length=MAX_OPTIONS)]


class DropdownBody(_Body):
    type: Literal["dropdown"]
    text: NonEmpty
    options: Annotated[list[OptionBody], Field(max_length=MAX_OPTIONS)]


BlocItem = Annotated[
    TextBody | MarkdownBody | ImageBody | AudioBody | VideoBody | FileBody | LocationBody,
    Field(discriminator="type"),
]


class BlocBody(_Body):
    type: Literal["bloc"]
    items: Annotated[list[BlocItem], Field(min_length=1, max_length=MAX_ITEMS)]


ChatPayload = Annotated[
    TextBody
    | MarkdownBody
    | ImageBody
    | AudioBody
    | VideoBody
    | FileBody
    | LocationBody
    | CardBody
    | CarouselBody
    | ChoiceBody
    | DropdownBody
    | BlocBody,
    Field(discriminator="type"),
]

# Chat message metadata is kept as the core message's tags: string values only.
Metadata = Annotated[
    dict[
        Annotated[str, Field(min_length=1, max_length=100)], Annotated[str, Field(max_length=1000)]
    ],
    Field(max_length=50),
]


class UserBody(_Body):
    name: Annotated[str | None, Field(max_length=200)] = None
    pictureUrl: Annotated[str | None, Field(max_length=4096)] = None
    profile: Annotated[str | None, Field(max_length=1000)] = None


class UserCreateBody(UserBody):
    # Hubbub picks user ids; the field exists so that a given one gets a clear refusal.
    id: str | None = None


class ConversationCreateBody(_Body):
    # Hubbub picks conversation ids; the field exists so that a given one is refused clearly.
    id: str | None = None


class ConversationGetOrCreateBody(_Body):
    id: ResourceId


class MessageCreateBody(_Body):
    payload: ChatPayload
    conversationId: ResourceId
    metadata: Metadata | None = None


class ParticipantAddBody(_Body):
    userId: ResourceId


class EventCreateBody(_Body):
    # Any JSON object: a custom event's content is the page's and the bot's business.
    payload: dict[str, Any]
    conversationId: ResourceId
