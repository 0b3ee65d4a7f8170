"""Recrubo message payloads to the core's and back.

In: ``text`` (``{"text": {"value"}}``, or the ``{"attributes": {"value"}}`` form the resource
page shows), media (``{"image": {"data": <base64>, "mime_type", "filename", "caption"}}`` and
the same under ``video``/``audio``/``document``; the bytes are stored as media and the message
carries their link) and ``template`` (``{"template": {"id", "components": [{"type",
"parameters": [{"type": "text", "text"}]}]}}``, rendered through the core templates). Out: the
guide's forms, media with ``url`` instead of ``data`` and every other member as it was sent."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from hubbub.api.recrubo.defaults import CAPTIONLESS_KINDS, MEDIA_KINDS
from hubbub.api.recrubo.errors import invalid_field
from hubbub.db.uow import Session
from hubbub.errors import UnprocessableEntity
from hubbub.media.service import media as media_service
from hubbub.messages.payloads import (
    MAX_CAPTION,
    MAX_FILENAME,
    MAX_TEXT,
    AudioPayload,
    FilePayload,
    ImagePayload,
    Payload,
    TemplatePayload,
    TextPayload,
    VideoPayload,
    plain_text,
)
from hubbub.templates.service import render_components
from hubbub.templates.service import template as template_service

POINTER = "/data/attributes/payload"
TYPES = ("text", "template", *MEDIA_KINDS)
MEDIA_MEMBERS = frozenset({"data", "mime_type", "filename", "caption"})
# Each Recrubo media kind as the core payload that holds it, and back.
CORE_MEDIA: dict[str, type[ImagePayload | VideoPayload | AudioPayload | FilePayload]] = {
    "image": ImagePayload,
    "video": VideoPayload,
    "audio": AudioPayload,
    "document": FilePayload,
}
WIRE_MEDIA = {core.model_fields["type"].default: kind for kind, core in CORE_MEDIA.items()}


async def to_core(
    session: Session,
    workspace_id: str,
    raw: dict[str, Any],
    *,
    channel_id: str | None,
    base_url: str,
) -> Payload:
    kind = raw.get("type")
    if kind not in TYPES:
        raise invalid_field(f"{POINTER}/type", f"type must be one of {', '.join(TYPES)}")
    assert isinstance(kind, str)
    if kind == "text":
        return _text(raw)
    if kind == "template":
        return await _template(session, workspace_id, raw)
    return await _media(session, workspace_id, kind, raw, channel_id, base_url)


def _text(raw: dict[str, Any]) -> TextPayload:
    _only(raw, {"type", "text", "attributes"}, POINTER)
    member = "text" if "text" in raw else "attributes"
    body = raw.get(member)
    value = body.get("value") if isinstance(body, dict) else None
    pointer = f"{POINTER}/{member}/value"
    if not isinstance(value, str) or not value.strip():
        raise invalid_field(pointer, "a text message needs text.value, a non-empty string")
    if len(value) > MAX_TEXT:
        raise invalid_field(pointer, f"text.value is at most {MAX_TEXT} characters")
    return TextPayload(text=value)


async def _media(
    session: Session,
    workspace_id: str,
    kind: str,
    raw: dict[str, Any],
    channel_id: str | None,
    base_url: str,
) -> Payload:
    _only(raw, {"type", kind}, POINTER)
    body = raw.get(kind)
    pointer = f"{POINTER}/{kind}"
    if not isinstance(body, dict):
        raise invalid_field(pointer, f"an {kind} message needs an '{kind}' object")
    _only(body, MEDIA_MEMBERS, pointer)
    data = _decoded(body.get("data"), f"{pointer}/data")
    mime_type = _mime_type(kind, body.get("mime_type"), f"{pointer}/mime_type")
    filename = _optional_text(body, "filename", MAX_FILENAME, pointer)
    caption = _optional_text(body, "caption", MAX_CAPTION, pointer)
    if caption is not None and kind in CAPTIONLESS_KINDS:
        raise invalid_field(f"{pointer}/caption", f"an {kind} message has no caption")
    try:
        stored = await media_service.store_bytes(
            session,
            workspace_id,
            data=data,
            content_type=mime_type,
            filename=filename,
            channel_id=channel_id,
        )
    except UnprocessableEntity as error:
        raise invalid_field(f"{pointer}/mime_type", error.message) from error
    members = {
        "url": media_service.download_url(stored, base_url=base_url),
        "filename": filename,
        "content_type": stored.content_type,
    }
    if kind not in CAPTIONLESS_KINDS:
        members["caption"] = caption
    return CORE_MEDIA[kind].model_validate(members)


def _decoded(data: Any, pointer: str) -> bytes:
    if not isinstance(data, str) or not data:
        raise invalid_field(pointer, "data is required: the file's bytes in base64")
    try:
        decoded = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid_field(pointer, "data is not valid base64") from exc
    if not decoded:
        raise invalid_field(pointer, "data holds no bytes")
    return decoded


def _mime_type(kind: str, value: Any, pointer: str) -> str:
    if not isinstance(value, str) or "/" not in value:
        raise invalid_field(pointer, "mime_type is required, e.g. 'image/jpeg'")
    prefix = MEDIA_KINDS[kind]
    if prefix is not None and not value.lower().startswith(prefix):
        raise invalid_field(pointer, f"an {kind} message needs a {prefix}* mime_type")
    return value


def _optional_text(body: dict[str, Any], name: str, limit: int, pointer: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise invalid_field(
            f"{pointer}/{name}", f"{name} is a string of at most {limit} characters"
        )
    return value


async def _template(session: Session, workspace_id: str, raw: dict[str, Any]) -> TemplatePayload:
    _only(raw, {"type", "template"}, POINTER)
    body = raw.get("template")
    pointer = f"{POINTER}/template"
    if not isinstance(body, dict):
        raise invalid_field(pointer, "a template message needs a 'template' object")
    _only(body, {"id", "components"}, pointer)
    template_id = body.get("id")
    if not isinstance(template_id, str) or not template_id:
        raise invalid_field(f"{pointer}/id", "template.id is required: a message template's id")
    found = await template_service.get(session, workspace_id, template_id)
    if found is None:
        raise invalid_field(f"{pointer}/id", f"message template {template_id} not found")
    variables = _variables(body.get("components", []), f"{pointer}/components")
    try:
        rendered = render_components(found, variables)
    except UnprocessableEntity as error:
        raise invalid_field(f"{pointer}/components", error.message) from error
    components = [
        {
            "type": component.type,
            "text": component.text,
            "parameters": [{"type": "text", "text": value} for value in component.variables],
        }
        for component in rendered.components
        if component.text is not None
    ]
    return TemplatePayload(
        name=found.name,
        language=found.language,
        template_id=found.id,
        variables=[value for component in rendered.components for value in component.variables],
        components=components,
    )


def _variables(components: Any, pointer: str) -> dict[str, list[str]]:
    """The parameters' texts per component type, in the order given."""
    if not isinstance(components, list):
        raise invalid_field(pointer, "components is an array of {type, parameters}")
    variables: dict[str, list[str]] = {}
    for index, component in enumerate(components):
        here = f"{pointer}/{index}"
        if not isinstance(component, dict) or not isinstance(component.get("type"), str):
            raise invalid_field(here, "a component is an object with a 'type'")
        _only(component, {"type", "parameters"}, here)
        kind = component["type"].lower()
        if kind in variables:
            raise invalid_field(f"{here}/type", f"the {kind} component is given twice")
        parameters = component.get("parameters", [])
        if not isinstance(parameters, list):
            raise invalid_field(f"{here}/parameters", "parameters is an array")
        variables[kind] = [
            _parameter(parameter, f"{here}/parameters/{number}")
            for number, parameter in enumerate(parameters)
        ]
    return variables


def _parameter(parameter: Any, pointer: str) -> str:
    valid = (
        isinstance(parameter, dict)
        and parameter.get("type", "text") == "text"
        and isinstance(parameter.get("text"), str)
        and len(parameter["text"]) <= MAX_CAPTION
    )
    if not valid:
        raise invalid_field(pointer, 'a parameter reads {"type": "text", "text": "..."}')
    return str(parameter["text"])


def _only(body: dict[str, Any], allowed: set[str] | frozenset[str], pointer: str) -> None:
    extra = sorted(set(body) - set(allowed))
    if extra:
        raise invalid_field(f"{pointer}/{extra[0]}", f"'{extra[0]}' is not a member here")


def from_core(payload: Payload) -> dict[str, Any]:
    match payload:
        case TextPayload():
            return {"type": "text", "text": {"value": payload.text}}
        case TemplatePayload():
            return {"type": "template", "template": _template_out(payload)}
        case ImagePayload() | VideoPayload() | AudioPayload() | FilePayload():
            kind = WIRE_MEDIA[payload.type]
            return {"type": kind, kind: _media_out(payload)}
    # A payload Recrubo has no form for (a card, a choice, ...) reads as its text.
    return {"type": "text", "text": {"value": plain_text(payload)}}


def _template_out(payload: TemplatePayload) -> dict[str, Any]:
    components = [
        {"type": str(c.get("type", "body")), "parameters": c.get("parameters", [])}
        for c in payload.components
        if isinstance(c, dict) and "parameters" in c
    ]
    if not components and payload.variables:
        parameters = [{"type": "text", "text": value} for value in payload.variables]
        components = [{"type": "body", "parameters": parameters}]
    return {"id": payload.template_id, "name": payload.name, "components": components}


def _media_out(payload: ImagePayload | VideoPayload | AudioPayload | FilePayload) -> dict[str, str]:
    """A media object as Recrubo sends it, with the link to the stored file for its ``data``."""
    return _present(
        url=payload.url,
        filename=payload.filename,
        mime_type=payload.content_type,
        caption=None if isinstance(payload, AudioPayload) else payload.caption,
    )


def _present(**members: str | None) -> dict[str, str]:
    return {name: value for name, value in members.items() if value is not None}
