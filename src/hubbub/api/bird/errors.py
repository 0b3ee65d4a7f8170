"""Bird's error shape (A.8): ``{code, message, details}`` where ``details`` maps a field to a
list of messages; 422 for a body that fails validation."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from hubbub.api.bird import defaults
from hubbub.api.errors import json_response
from hubbub.errors import HubbubError, Unauthenticated


def bird_field(name: str) -> str:
    """A core field path (``recipients.1.value``) in Bird's words (``receiver.contacts.1.
    identifierValue``)."""
    head, _, rest = name.partition(".")
    if head == "recipients":
        index, _, leaf = rest.partition(".")
        parts = [defaults.FIELD_NAMES[head], index, defaults.RECIPIENT_FIELDS.get(leaf, leaf)]
        return ".".join(part for part in parts if part)
    if head in defaults.FIELD_NAMES:
        return ".".join(part for part in (defaults.FIELD_NAMES[head], rest) if part)
    return name


def details_of(error: HubbubError) -> dict[str, list[str]]:
    fields = error.details.get("fields")
    if isinstance(fields, dict):
        return {
            bird_field(str(name)): [str(m) for m in messages] for name, messages in fields.items()
        }
    field = error.details.get("field")
    if isinstance(field, str):
        return {bird_field(field): [error.message]}
    return {}


def render_bird(request: Request, error: HubbubError) -> Response:
    code = defaults.ERROR_CODES.get(error.status_code, defaults.INTERNAL_ERROR_CODE)
    details = details_of(error)
    message = error.message
    if error.status_code == 422 and "fields" in error.details:
        message = f"{defaults.VALIDATION_MESSAGE}: {error.message}"
    body: dict[str, Any] = {"code": code, "message": message, "details": details}
    headers = {"WWW-Authenticate": "AccessKey"} if isinstance(error, Unauthenticated) else None
    return json_response(body, error.status_code, headers)
