"""Channel.io's error shape (not documented; reference B.6, inferred):

    {"type": "notFound", "status": 404, "errors": [{"message": "UserChat not found"}]}

Each entry of ``errors`` has a ``message``; entries about one field also name it in ``field``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from hubbub.api.errors import json_response
from hubbub.errors import HubbubError, NotFound, Unauthenticated, UnprocessableEntity

ModelT = TypeVar("ModelT", bound=BaseModel)

ERROR_TYPES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "notFound",
    405: "methodNotAllowed",
    409: "conflict",
    413: "payloadTooLarge",
    415: "unsupportedMediaType",
    422: "unprocessableEntity",
    429: "tooManyRequests",
}
# Core resource names as Channel.io calls them.
RESOURCE_NAMES = {
    "conversation": "UserChat",
    "contact": "User",
    "message": "Message",
    "agent": "Manager",
}


def error_body(error: HubbubError) -> dict[str, Any]:
    status = error.status_code
    return {
        "type": ERROR_TYPES.get(status, "internalServerError"),
        "status": status,
        "errors": _entries(error),
    }


def render_channelio(request: Request, error: HubbubError) -> Response:
    headers = {"WWW-Authenticate": "x-access-key"} if isinstance(error, Unauthenticated) else None
    return json_response(error_body(error), error.status_code, headers)


def _entries(error: HubbubError) -> list[dict[str, str]]:
    if isinstance(error, NotFound) and error.resource in RESOURCE_NAMES:
        return [{"message": f"{RESOURCE_NAMES[error.resource]} not found"}]
    fields = error.details.get("fields")
    if isinstance(fields, dict) and fields:
        return [
            {"field": str(name), "message": str(message)}
            for name, messages in fields.items()
            for message in messages
        ]
    field = error.details.get("field")
    if isinstance(field, str):
        return [{"field": field, "message": error.message}]
    return [{"message": error.message}]


def build(model: type[ModelT], **fields: Any) -> ModelT:
    """A core request model from translated fields; a value the core refuses is a 422 naming
    the field, not a 500."""
    try:
        return model(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise UnprocessableEntity(f"invalid value for '{where}': {first['msg']}") from error
