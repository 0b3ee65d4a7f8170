"""Channel.io message content <-> the core payload union, both ways, so that what a client
sends comes back the same.

Content maps onto the core ``blocks`` payload (blocks, buttons, files, web page); a message of
plain text alone is a core ``text`` payload. The parts the core has no field for (options,
button colours, command/WAM button actions, web page extras) travel in one message tag
(``defaults.EXTRAS_TAG``); a Channel.io file (bucket + key, no URL) is kept as a
``channelio-file://`` URL carrying its other fields.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import orjson
from pydantic import ValidationError

from hubbub.api.channelio import defaults, schemas
from hubbub.errors import UnprocessableEntity
from hubbub.kit.tags import private_value
from hubbub.messages.payloads import (
    Action,
    AudioPayload,
    Block,
    BlockFile,
    BlocksPayload,
    FilePayload,
    ImagePayload,
    MarkdownPayload,
    Payload,
    TextPayload,
    VideoPayload,
    WebPage,
)

_MARKUP = re.compile(r"<[^>]*>")
_WEB_PAGE_CORE_FIELDS = {"url", "title", "description", "imageUrl"}
_MAX_TAG_VALUE = 1000


# ---- Channel.io -> core ------------------------------------------------------------------


def to_core(data: schemas.MessageCreate) -> tuple[Payload, dict[str, str]]:
    """The core payload and the private tags that carry the rest. 422 when nothing is
    sent."""
    if not data.has_content():
        raise UnprocessableEntity(
            "a message needs blocks, plainText, buttons, files or webPage", field="blocks"
        )
    try:
        payload, extras = _payload(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise UnprocessableEntity(f"invalid value for '{where}': {first['msg']}") from error
    return payload, _extras_tag(extras)


def _payload(data: schemas.MessageCreate) -> tuple[Payload, dict[str, Any]]:
    extras: dict[str, Any] = {}
    if data.options:
        extras["options"] = data.options
    only_text = not (data.blocks or data.buttons or data.files or data.webPage)
    if only_text and data.plainText:
        return TextPayload(text=data.plainText), extras
    blocks = [_core_block(block) for block in data.blocks or []]
    if not blocks and data.plainText:
        blocks = [Block(type="text", value=data.plainText)]
    buttons = [_core_button(button, extras) for button in data.buttons or []]
    files = [_core_file(file) for file in data.files or []]
    web_page = None
    if data.webPage is not None:
        web_page = WebPage(
            url=data.webPage.url,
            title=data.webPage.title,
            description=data.webPage.description,
            image_url=data.webPage.imageUrl,
        )
        rest = data.webPage.model_dump(exclude_none=True, exclude=_WEB_PAGE_CORE_FIELDS)
        if rest:
            extras["webPage"] = rest
    payload = BlocksPayload(
        blocks=blocks, buttons=buttons or None, files=files or None, web_page=web_page
    )
    return payload, extras


def _core_block(block: schemas.Block) -> Block:
    return Block.model_validate(block.model_dump(exclude_none=True))


def _core_button(button: schemas.Button, extras: dict[str, Any]) -> Action:
    extras.setdefault("buttons", []).append(
        {
            key: value
            for key, value in (("colorVariant", button.colorVariant), ("viaUrl", button.url))
            if value is not None
        }
    )
    action = button.action
    if action is None or action.type == "web":
        url = button.url if action is None else action.attributes.get("url", button.url)
        if not isinstance(url, str) or not url:
            raise UnprocessableEntity(
                "a button needs a web action with attributes.url, or an action", field="buttons"
            )
        return Action(action="url", label=button.title, value=url)
    value = orjson.dumps(action.model_dump()).decode()
    return Action(action="postback", label=button.title, value=value)


def _core_file(file: schemas.File) -> BlockFile:
    meta = file.model_dump(exclude_none=True, exclude={"bucket", "key", "name", "contentType"})
    query = urlencode({"meta": orjson.dumps(meta).decode()})
    url = f"{defaults.FILE_URL_SCHEME}://{quote(file.bucket, safe='')}/{quote(file.key)}?{query}"
    return BlockFile(url=url, filename=file.name, content_type=file.contentType)


def _extras_tag(extras: dict[str, Any]) -> dict[str, str]:
    if "buttons" in extras and not any(extras["buttons"]):
        del extras["buttons"]
    if not extras:
        return {}
    value = orjson.dumps(extras).decode()
    if len(value) > _MAX_TAG_VALUE:
        raise UnprocessableEntity(
            "options, button colours and web page details together are too long",
            field="webPage",
        )
    return {defaults.EXTRAS_TAG: value}


# ---- core -> Channel.io ------------------------------------------------------------------


def from_core(payload: Payload, text: str, tags: dict[str, str]) -> dict[str, Any]:
    """The content fields of a Channel.io message: blocks, plainText, buttons, files, webPage
    and options (only those that are set)."""
    extras = _read_extras(tags)
    parts: dict[str, Any] = {}
    match payload:
        case BlocksPayload():
            parts = _blocks_parts(payload, extras)
        case TextPayload():
            parts = _text_parts(payload.text)
        case MarkdownPayload():
            parts = _text_parts(payload.markdown)
        case ImagePayload() | VideoPayload() | AudioPayload() | FilePayload():
            parts = _text_parts(text) if text else {}
            parts["files"] = [_media_file(payload)]
        case _:
            parts = _text_parts(text) if text else {}
    if extras.get("options"):
        parts["options"] = extras["options"]
    return parts


def plain_text_of(blocks: list[Block]) -> str:
    """What a reader sees: values without inline markup (``<b>``, ``<link>``), one a line."""
    lines: list[str] = []
    for block in blocks:
        if block.value:
            lines.append(html.unescape(_MARKUP.sub("", block.value)))
        if block.blocks:
            lines.append(plain_text_of(block.blocks))
    return "\n".join(line for line in lines if line)


def _text_parts(text: str) -> dict[str, Any]:
    return {"blocks": [{"type": "text", "value": text}], "plainText": text}


def _blocks_parts(payload: BlocksPayload, extras: dict[str, Any]) -> dict[str, Any]:
    parts: dict[str, Any] = {"blocks": [b.model_dump(exclude_none=True) for b in payload.blocks]}
    plain = plain_text_of(payload.blocks)
    if plain:
        parts["plainText"] = plain
    if payload.buttons:
        looks = extras.get("buttons") or []
        parts["buttons"] = [
            _wire_button(button, looks[i] if i < len(looks) else {})
            for i, button in enumerate(payload.buttons)
        ]
    if payload.files:
        parts["files"] = [_wire_file(file) for file in payload.files]
    if payload.web_page is not None:
        page = payload.web_page
        wire = {"url": page.url, "title": page.title, "description": page.description}
        wire["imageUrl"] = page.image_url
        wire.update(extras.get("webPage") or {})
        parts["webPage"] = {key: value for key, value in wire.items() if value is not None}
    return parts


def _wire_button(button: Action, look: dict[str, Any]) -> dict[str, Any]:
    wire: dict[str, Any] = {"title": button.label}
    if button.action == "postback":
        try:
            wire["action"] = orjson.loads(button.value)
        except orjson.JSONDecodeError:
            wire["action"] = {"type": "command", "attributes": {"value": button.value}}
    elif look.get("viaUrl") and button.value == look["viaUrl"]:
        wire["url"] = button.value
    else:
        wire["action"] = {"type": "web", "attributes": {"url": button.value}}
    if look.get("colorVariant"):
        wire["colorVariant"] = look["colorVariant"]
    return wire


def _wire_file(file: BlockFile) -> dict[str, Any]:
    parsed = urlsplit(file.url)
    if parsed.scheme != defaults.FILE_URL_SCHEME:
        return _foreign_file(file.url, file.filename, file.content_type)
    meta: dict[str, Any] = {}
    raw = parse_qs(parsed.query).get("meta")
    if raw:
        try:
            loaded = orjson.loads(raw[0])
            meta = loaded if isinstance(loaded, dict) else {}
        except orjson.JSONDecodeError:
            meta = {}
    wire = {
        "id": meta.pop("id", file.url),
        "name": file.filename or "",
        "size": meta.pop("size", 0),
        "bucket": unquote(parsed.netloc),
        "key": unquote(parsed.path.removeprefix("/")),
    }
    if file.content_type:
        wire["contentType"] = file.content_type
    wire.update(meta)
    return wire


def _foreign_file(url: str, name: str | None, content_type: str | None) -> dict[str, Any]:
    """A file the core holds by URL (sent on another surface): the URL is its key."""
    wire: dict[str, Any] = {
        "id": url,
        "name": name or url.rsplit("/", 1)[-1],
        "size": 0,
        "bucket": "",
        "key": url,
        "url": url,
    }
    if content_type:
        wire["contentType"] = content_type
    return wire


def _media_file(payload: ImagePayload | VideoPayload | AudioPayload | FilePayload) -> Any:
    wire = _foreign_file(payload.url, payload.filename, payload.content_type)
    if not isinstance(payload, FilePayload):
        wire["type"] = payload.type
    return wire


def _read_extras(tags: dict[str, str]) -> dict[str, Any]:
    raw = private_value(
        tags, defaults.PRIVATE_SURFACE, defaults.EXTRAS, legacy_key=defaults.LEGACY_EXTRAS_TAG
    )
    if not raw:
        return {}
    try:
        loaded = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
