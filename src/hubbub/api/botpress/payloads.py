"""Botpress message payloads ↔ the core payload union.

A Botpress message is a ``type`` plus a free-form ``payload`` object. When the type is one the
core models and the payload has exactly that shape (``{"text": ...}``, ``{"imageUrl": ...}``,
...), it becomes the typed core payload, which channels know how to deliver; anything else is
kept whole as a core ``custom`` payload named by the type. Either way reading the message back
gives the same type and payload.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from hubbub.messages.payloads import (
    AudioPayload,
    ChoicePayload,
    CustomPayload,
    DropdownPayload,
    FilePayload,
    ImagePayload,
    LocationPayload,
    MarkdownPayload,
    Payload,
    TextPayload,
    VideoPayload,
    payload_adapter,
)

# Botpress type → (core model, {Botpress key: core key}).
_TYPED: dict[str, tuple[type[BaseModel], dict[str, str]]] = {
    "text": (TextPayload, {"text": "text"}),
    "markdown": (MarkdownPayload, {"markdown": "markdown"}),
    "image": (ImagePayload, {"imageUrl": "url"}),
    "audio": (AudioPayload, {"audioUrl": "url"}),
    "video": (VideoPayload, {"videoUrl": "url"}),
    "file": (FilePayload, {"fileUrl": "url", "title": "filename"}),
    "location": (
        LocationPayload,
        {"latitude": "latitude", "longitude": "longitude", "address": "address", "title": "title"},
    ),
    "choice": (ChoicePayload, {"text": "text", "options": "options"}),
    "dropdown": (DropdownPayload, {"text": "text", "options": "options"}),
}


def to_core(message_type: str, payload: dict[str, Any]) -> Payload:
    typed = _typed(message_type, payload)
    if typed is not None:
        return typed
    return CustomPayload(name=message_type, data=payload)


def _typed(message_type: str, payload: dict[str, Any]) -> Payload | None:
    known = _TYPED.get(message_type)
    if known is None or not set(payload) <= set(known[1]):
        return None
    keys = known[1]
    values = {keys[key]: value for key, value in payload.items()}
    try:
        return payload_adapter.validate_python({**values, "type": message_type})
    except ValidationError:
        return None  # not the typed shape after all: kept as it came


def from_core(payload: Payload) -> tuple[str, dict[str, Any]]:
    """The Botpress ``(type, payload)`` of a core payload."""
    if isinstance(payload, CustomPayload):
        return payload.name, payload.data
    body = payload.model_dump(mode="json", exclude_none=True, exclude={"type"})
    known = _TYPED.get(payload.type)
    if known is None:
        return payload.type, body  # a core-only type (card, template, ...): its own fields
    back = {core: wire for wire, core in known[1].items()}
    return payload.type, {back.get(key, key): value for key, value in body.items()}
