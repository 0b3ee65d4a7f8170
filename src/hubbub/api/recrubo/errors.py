"""JSON:API errors for every failure under the Recrubo prefix, and the request-body reading that
turns a malformed document into one: ``{"errors": [{"status", "code", "title", "detail",
"source": {"pointer" | "parameter"}}]}``. FastAPI's own 422 body never reaches a client here."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, TypeVar

import orjson
from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from hubbub.api.errors import UnsupportedMediaType
from hubbub.api.recrubo.defaults import ACCEPTED_CONTENT_TYPES, MEDIA_TYPE
from hubbub.errors import Conflict, HubbubError, InvalidInput, Unauthenticated, UnprocessableEntity

Document = TypeVar("Document", bound=BaseModel)

# Recrubo's documented codes where they differ from Hubbub's.
CODES = {
    "invalid_input": "bad_request",
    "unauthenticated": "unauthorized",
    "unprocessable": "unprocessable_entity",
}
# Where a core error's field sits in a Recrubo document.
FIELD_POINTERS = {
    "payload": "/data/attributes/payload",
    "variables": "/data/attributes/payload/template/components",
    "conversation_id": "/data/attributes/messageThreadId",
    "recipients": "/data/attributes/messageThreadId",
    "tags": "/data/attributes/sendBy",
    "author": "/data/attributes/sendBy",
    "author.id": "/data/attributes/sendBy",
    "name": "/data/attributes/name",
    "language": "/data/attributes/language",
    "components": "/data/attributes/components",
}


def pointer_for(field: str) -> str:
    """The JSON pointer of ``field``: dotted (``data.attributes.sendBy``), a core field name,
    or already a pointer."""
    if field.startswith("/"):
        return field
    if field in FIELD_POINTERS:
        return FIELD_POINTERS[field]
    if field.split(".", 1)[0] in FIELD_POINTERS:
        head, _, rest = field.partition(".")
        return FIELD_POINTERS[head] + "/" + rest.replace(".", "/")
    if field == "data" or field.startswith("data."):
        return "/" + field.replace(".", "/")
    return "/data/attributes/" + field.replace(".", "/")


def invalid_parameter(parameter: str, message: str) -> InvalidInput:
    """A bad query parameter: 400 with ``source.parameter``."""
    return InvalidInput(message, details={"parameter": parameter})


def invalid_field(pointer: str, message: str) -> UnprocessableEntity:
    """A document member that breaks a rule: 422 with ``source.pointer``."""
    return UnprocessableEntity(message, field=pointer)


def render_recrubo(request: Request, error: HubbubError) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthenticated) else None
    body = {"errors": error_objects(error)}
    return Response(
        orjson.dumps(body), status_code=error.status_code, media_type=MEDIA_TYPE, headers=headers
    )


def error_objects(error: HubbubError) -> list[dict[str, Any]]:
    status = error.status_code
    base = {
        "status": str(status),
        "code": CODES.get(error.code, error.code),
        "title": _title(status),
    }
    if status >= 500:
        return [{**base, "detail": "an internal error occurred"}]
    fields: dict[str, list[str]] = error.details.get("fields") or {}
    if len(fields) > 1:
        return [
            {**base, "detail": f"{name}: {messages[0]}", "source": {"pointer": pointer_for(name)}}
            for name, messages in fields.items()
        ]
    entry: dict[str, Any] = {**base, "detail": error.message}
    if "parameter" in error.details:
        entry["source"] = {"parameter": error.details["parameter"]}
    elif error.details.get("field"):
        entry["source"] = {"pointer": pointer_for(str(error.details["field"]))}
    return [entry]


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def read_document(request: Request, model: type[Document], *, resource_type: str) -> Document:
    """The request's JSON:API document as ``model``. 415 for another content type, 400 for a
    body that is not a JSON object with ``data``, 409 for a ``data.type`` of another resource,
    422 (one error per member) for members that break the schema."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type not in ACCEPTED_CONTENT_TYPES:
        raise UnsupportedMediaType(f"send the document as {MEDIA_TYPE}")
    try:
        raw = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput("the request body is not valid JSON", field="/data") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
        raise InvalidInput("the document needs a 'data' object", field="/data")
    given_type = raw["data"].get("type")
    if given_type != resource_type:
        raise Conflict(
            f"data.type must be '{resource_type}', not {given_type!r}",
            details={"field": "/data/type"},
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise document_validation_error(exc) from exc


def document_validation_error(exc: ValidationError) -> UnprocessableEntity:
    fields: dict[str, list[str]] = {}
    for item in exc.errors():
        name = ".".join(str(part) for part in item["loc"]) or "data"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "is not a member this resource accepts (or is read-only)"
        fields.setdefault(name, []).append(message)
    first = next(iter(fields))
    return UnprocessableEntity(
        f"{pointer_for(first)}: {fields[first][0]}", field=first, details={"fields": fields}
    )
