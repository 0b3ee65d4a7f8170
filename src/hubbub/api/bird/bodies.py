"""Bird message bodies (A.4) and templates to the core payload union, and back.

Bodies with a core equivalent become that payload, so every surface and connector understands
them; the rest (gif, section, authentication, several images, ...) are kept whole as a custom
payload named ``bird.<type>`` and come back exactly as they were sent.
"""

from __future__ import annotations

import re
from typing import Any

from hubbub.api.bird.schemas import Body, Template
from hubbub.messages.payloads import (
    AudioPayload,
    Block,
    BlockFile,
    BlocksPayload,
    CardPayload,
    CarouselPayload,
    ChoicePayload,
    CustomPayload,
    DropdownPayload,
    FilePayload,
    ImagePayload,
    LocationPayload,
    MarkdownPayload,
    Payload,
    TemplatePayload,
    TextPayload,
    VideoPayload,
    plain_text,
)

CUSTOM_PREFIX = "bird."
TEMPLATE_COMPONENT = "bird.template"
# A core audio or video payload names no exact type; Bird's file body requires one.
GENERIC_TYPES = {"audio": "audio/mpeg", "video": "video/mp4"}


def subject_of(body: Body | None, meta: dict[str, Any] | None) -> str | None:
    """The e-mail subject: the body's metadata, else ``meta.email.subject``."""
    content = getattr(body, body.type, None) if body is not None else None
    metadata = getattr(content, "metadata", None)
    if isinstance(metadata, dict) and isinstance(metadata.get("subject"), str):
        return str(metadata["subject"])
    email = (meta or {}).get("email")
    if isinstance(email, dict) and isinstance(email.get("subject"), str):
        return str(email["subject"])
    return None


def to_payload(body: Body | None, template: Template | None) -> Payload:
    if template is not None:
        return _template_payload(template)
    assert body is not None
    mapped = _simple_payload(body)
    if mapped is not None:
        return mapped
    content = getattr(body, body.type)
    data = content if isinstance(content, dict) else content.model_dump(exclude_none=True)
    return CustomPayload(name=CUSTOM_PREFIX + body.type, data=data)


def _simple_payload(body: Body) -> Payload | None:
    """The core payload for bodies that have one, else None."""
    if body.text is not None and body.type == "text":
        if not body.text.attachments:
            return TextPayload(text=body.text.text)
        files = [BlockFile(url=a.mediaUrl, filename=a.filename) for a in body.text.attachments]
        return BlocksPayload(blocks=[Block(type="text", value=body.text.text)], files=files)
    if body.html is not None and body.type == "html" and not body.html.attachments:
        return TextPayload(
            text=body.html.text or _no_tags(body.html.html or ""), html=body.html.html
        )
    if body.image is not None and body.type == "image" and len(body.image.images) == 1:
        image = body.image.images[0]
        return ImagePayload(url=image.mediaUrl, caption=body.image.text, alt_text=image.altText)
    if body.file is not None and body.type == "file" and len(body.file.files) == 1:
        file = body.file.files[0]
        return FilePayload(
            url=file.mediaUrl,
            filename=file.filename,
            content_type=file.contentType,
            caption=body.file.text,
        )
    if body.location is not None and body.type == "location":
        place = body.location.location
        return LocationPayload(
            latitude=body.location.coordinates.latitude,
            longitude=body.location.coordinates.longitude,
            address=place.address if place else None,
            title=place.label if place else None,
        )
    return None


def _no_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html).strip() or "(html)"


def _template_payload(template: Template) -> TemplatePayload:
    variables = [
        str(parameter.value)
        for parameter in template.parameters or []
        if isinstance(parameter.value, str | int | float | bool)
    ]
    return TemplatePayload(
        name=template.name or template.projectId or "template",
        template_id=template.projectId,
        language=template.locale,
        variables=variables,
        components=[
            {"type": TEMPLATE_COMPONENT, "template": template.model_dump(exclude_none=True)}
        ],
    )


def to_bird(payload: Payload, subject: str | None) -> dict[str, Any]:
    """``{"body": ...}`` or ``{"template": ...}`` for a Message object."""
    if isinstance(payload, TemplatePayload):
        return {"template": _template(payload)}
    body = _body(payload)
    if subject and body["type"] in ("text", "html"):
        content = body[body["type"]]
        content["metadata"] = {**content.get("metadata", {}), "subject": subject}
    return {"body": body}


def _template(payload: TemplatePayload) -> dict[str, Any]:
    for component in payload.components:
        if component.get("type") == TEMPLATE_COMPONENT and isinstance(
            component.get("template"), dict
        ):
            return dict(component["template"])
    parameters = [
        {"type": "string", "key": str(index + 1), "value": value}
        for index, value in enumerate(payload.variables)
    ]
    return {
        "name": payload.name,
        "projectId": payload.template_id or payload.name,
        "locale": payload.language,
        "parameters": parameters,
    }


def _body(payload: Payload) -> dict[str, Any]:
    match payload:
        case TextPayload(html=str() as html):
            return {"type": "html", "html": {"text": payload.text, "html": html}}
        case TextPayload() | MarkdownPayload():
            return {"type": "text", "text": {"text": plain_text(payload)}}
        case ImagePayload():
            image = _clean({"mediaUrl": payload.url, "altText": payload.alt_text})
            return {"type": "image", "image": _clean({"images": [image], "text": payload.caption})}
        case FilePayload() | AudioPayload() | VideoPayload():
            return {"type": "file", "file": _file(payload)}
        case LocationPayload():
            coordinates = {"latitude": payload.latitude, "longitude": payload.longitude}
            place = _clean({"address": payload.address, "label": payload.title})
            return {"type": "location", "location": {"coordinates": coordinates, "location": place}}
        case BlocksPayload():
            attachments = [
                _clean({"mediaUrl": f.url, "filename": f.filename}) for f in payload.files or []
            ]
            words = "\n".join(_block_text(payload.blocks)) or plain_text(payload)
            text = _clean({"text": words, "attachments": attachments or None})
            return {"type": "text", "text": text}
        case CardPayload() | CarouselPayload():
            return {"type": "carousel", "carousel": {"items": _cards(payload)}}
        case ChoicePayload() | DropdownPayload():
            items = [{"title": option.label, "id": option.value} for option in payload.options]
            return {"type": "list", "list": {"text": payload.text, "items": items}}
        case CustomPayload(name=name) if name.startswith(CUSTOM_PREFIX):
            kind = name[len(CUSTOM_PREFIX) :]
            return {"type": kind, kind: payload.data}
    return {"type": "text", "text": {"text": plain_text(payload) or payload.type}}


def _block_text(blocks: list[Block]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        lines.extend([block.value] if block.value else [])
        lines.extend(_block_text(block.blocks or []))
    return lines


def _file(payload: FilePayload | AudioPayload | VideoPayload) -> dict[str, Any]:
    content_type = payload.content_type or GENERIC_TYPES.get(
        payload.type, "application/octet-stream"
    )
    entry = {"mediaUrl": payload.url, "contentType": content_type, "filename": payload.filename}
    caption = None if isinstance(payload, AudioPayload) else payload.caption
    return _clean({"files": [_clean(entry)], "text": caption})


def _cards(payload: CardPayload | CarouselPayload) -> list[dict[str, Any]]:
    cards = payload.items if isinstance(payload, CarouselPayload) else [payload]
    return [
        _clean(
            {
                "title": card.title,
                "description": card.subtitle,
                "mediaUrl": card.image_url,
                "actions": [
                    {"type": "link", "link": {"text": a.label, "url": a.value}}
                    if a.action == "url"
                    else {"type": "postback", "postback": {"text": a.label, "payload": a.value}}
                    for a in card.actions
                ],
            }
        )
        for card in cards
    ]


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
