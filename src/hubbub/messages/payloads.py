"""Message payloads: one discriminated union on ``type`` that every dialect maps its own shapes
to and back, and ``plain_text`` that derives the searchable text of any of them.

Unknown fields are refused rather than dropped: a store that silently loses part of what it was
given is worse than a 422 that names the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

MAX_TEXT = 4096 * 4
MAX_CAPTION = 4096
MAX_LABEL = 1000
MAX_URL = 4096
MAX_NAME = 200
MAX_FILENAME = 255
MAX_CONTENT_TYPE = 255
MAX_OPTIONS = 100
MAX_ACTIONS = 20
MAX_CAROUSEL_ITEMS = 20
MAX_BLOCKS = 200
MAX_FILES = 20
MAX_TEMPLATE_VARIABLES = 100
MAX_TEMPLATE_COMPONENTS = 50

Url = Annotated[str, Field(min_length=1, max_length=MAX_URL)]
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL)]
Caption = Annotated[str, Field(max_length=MAX_CAPTION)]
Filename = Annotated[str, Field(max_length=MAX_FILENAME)]
ContentType = Annotated[str, Field(max_length=MAX_CONTENT_TYPE)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Option(_Strict):
    label: Label
    value: Annotated[str, Field(max_length=MAX_LABEL)]


class Action(_Strict):
    action: Literal["postback", "url", "say"]
    label: Label
    value: Annotated[str, Field(max_length=MAX_URL)]


class TextPayload(_Strict):
    type: Literal["text"] = "text"
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    html: Annotated[str | None, Field(max_length=MAX_TEXT * 4)] = None


class MarkdownPayload(_Strict):
    type: Literal["markdown"] = "markdown"
    markdown: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]


class _Media(_Strict):
    """What every media payload carries: the file's link and, when the sender named them, its
    file name and content type (Recrubo sends both with any kind of media, WhatsApp and e-mail
    a content type with every file they bring in)."""

    type: str  # each kind narrows it to its literal; declared here so it is rendered first
    url: Url
    filename: Filename | None = None
    content_type: ContentType | None = None


# The payload types that carry a file (``_Media``): what an inbound attachment may become.
MEDIA_TYPES: frozenset[str] = frozenset({"image", "audio", "video", "file"})


class ImagePayload(_Media):
    type: Literal["image"] = "image"
    caption: Caption | None = None
    alt_text: Caption | None = None


class AudioPayload(_Media):
    type: Literal["audio"] = "audio"


class VideoPayload(_Media):
    type: Literal["video"] = "video"
    caption: Caption | None = None


class FilePayload(_Media):
    type: Literal["file"] = "file"
    caption: Caption | None = None


class LocationPayload(_Strict):
    type: Literal["location"] = "location"
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    address: Caption | None = None
    title: Caption | None = None


class ChoicePayload(_Strict):
    type: Literal["choice"] = "choice"
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    options: Annotated[list[Option], Field(max_length=MAX_OPTIONS)]


class DropdownPayload(_Strict):
    type: Literal["dropdown"] = "dropdown"
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    options: Annotated[list[Option], Field(max_length=MAX_OPTIONS)]


class CardPayload(_Strict):
    type: Literal["card"] = "card"
    title: Label
    subtitle: Caption | None = None
    image_url: Url | None = None
    actions: Annotated[list[Action], Field(default_factory=list, max_length=MAX_ACTIONS)]


class CarouselPayload(_Strict):
    type: Literal["carousel"] = "carousel"
    items: Annotated[list[CardPayload], Field(min_length=1, max_length=MAX_CAROUSEL_ITEMS)]


class TemplatePayload(_Strict):
    type: Literal["template"] = "template"
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    language: Annotated[str | None, Field(max_length=35)] = None
    template_id: Annotated[str | None, Field(max_length=MAX_NAME)] = None
    variables: Annotated[
        list[Annotated[str, Field(max_length=MAX_CAPTION)]],
        Field(default_factory=list, max_length=MAX_TEMPLATE_VARIABLES),
    ]
    components: Annotated[
        list[dict[str, Any]], Field(default_factory=list, max_length=MAX_TEMPLATE_COMPONENTS)
    ]


class Block(_Strict):
    """Rich text: a paragraph, a code block, or a bullet list whose items are blocks."""

    type: Literal["text", "code", "bullets"]
    value: Annotated[str | None, Field(max_length=MAX_TEXT)] = None
    language: Annotated[str | None, Field(max_length=64)] = None
    blocks: Annotated[list[Block] | None, Field(max_length=MAX_BLOCKS)] = None


class BlockFile(_Strict):
    url: Url
    filename: Filename | None = None
    content_type: ContentType | None = None


class WebPage(_Strict):
    url: Url
    title: Caption | None = None
    description: Caption | None = None
    image_url: Url | None = None


class BlocksPayload(_Strict):
    type: Literal["blocks"] = "blocks"
    blocks: Annotated[list[Block], Field(max_length=MAX_BLOCKS)]
    buttons: Annotated[list[Action] | None, Field(max_length=MAX_ACTIONS)] = None
    files: Annotated[list[BlockFile] | None, Field(max_length=MAX_FILES)] = None
    web_page: WebPage | None = None


class CustomPayload(_Strict):
    """Anything a bot defines; ``name`` becomes the message's type."""

    type: Literal["custom"] = "custom"
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
    data: dict[str, Any] = Field(default_factory=dict)


Payload = Annotated[
    TextPayload
    | MarkdownPayload
    | ImagePayload
    | AudioPayload
    | VideoPayload
    | FilePayload
    | LocationPayload
    | ChoicePayload
    | DropdownPayload
    | CardPayload
    | CarouselPayload
    | TemplatePayload
    | BlocksPayload
    | CustomPayload,
    Field(discriminator="type"),
]

payload_adapter: TypeAdapter[Payload] = TypeAdapter(Payload)


def message_type(payload: Payload) -> str:
    """The message's ``type``: the payload's, or for a custom payload the name it gives."""
    return payload.name if isinstance(payload, CustomPayload) else payload.type


def plain_text(payload: Payload) -> str:
    """The words a person would read in ``payload``, one part a line, for search and for
    surfaces that only show text."""
    return "\n".join(part for part in _parts(payload) if part)


def _parts(payload: Payload) -> Iterator[str | None]:
    match payload:
        case TextPayload() | ChoicePayload() | DropdownPayload():
            yield payload.text
            if not isinstance(payload, TextPayload):
                yield from (option.label for option in payload.options)
        case MarkdownPayload():
            yield payload.markdown
        case ImagePayload():
            yield from (payload.caption, payload.alt_text)
        case AudioPayload():
            return
        case VideoPayload():
            yield payload.caption
        case FilePayload():
            yield from (payload.caption, payload.filename)
        case LocationPayload():
            yield from (payload.title, payload.address)
        case CardPayload():
            yield from _card_parts(payload)
        case CarouselPayload():
            for item in payload.items:
                yield from _card_parts(item)
        case TemplatePayload():
            yield payload.name
            yield from payload.variables
        case BlocksPayload():
            yield from _blocks_parts(payload)
        case CustomPayload():
            yield from _strings_in(payload.data, budget=[MAX_TEXT])


def _card_parts(card: CardPayload) -> Iterator[str | None]:
    yield from (card.title, card.subtitle)
    yield from (action.label for action in card.actions)


def _blocks_parts(payload: BlocksPayload) -> Iterator[str | None]:
    yield from _block_values(payload.blocks)
    yield from (button.label for button in payload.buttons or [])
    yield from (file.filename for file in payload.files or [])
    if payload.web_page is not None:
        yield from (payload.web_page.title, payload.web_page.description)


def _block_values(blocks: list[Block]) -> Iterator[str | None]:
    for block in blocks:
        yield block.value
        if block.blocks:
            yield from _block_values(block.blocks)


def _strings_in(value: Any, *, budget: list[int]) -> Iterator[str]:
    """Every string leaf of a custom payload's data, up to ``budget`` characters in all: a bot's
    data can be large, and search only needs its words."""
    if budget[0] <= 0:
        return
    if isinstance(value, str):
        budget[0] -= len(value)
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item, budget=budget)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item, budget=budget)
