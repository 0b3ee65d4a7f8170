"""Botpress's error body ``{id, code, type, message, metadata?}``, shared by the two APIs that
answer in it: the Botpress runtime dialect (``/compat/botpress``) and the webchat end-user API
(``/webchat``, the Botpress Chat API's shapes). Botpress's clients pick their typed error class
by ``type`` alone, so every domain error is given the Botpress type that says the same thing,
and the HTTP status of that type. (Shared here, outside both packages, because dialects never
import each other.)"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from hubbub.api.errors import json_response
from hubbub.errors import HubbubError, InvalidCursor
from hubbub.kit.clock import utcnow

# Every type the client knows, with the status its class carries.
ERROR_STATUS: dict[str, int] = {
    "Unknown": 500,
    "Internal": 500,
    "Unauthorized": 401,
    "Forbidden": 403,
    "PayloadTooLarge": 413,
    "InvalidPayload": 400,
    "UnsupportedMediaType": 415,
    "MethodNotFound": 405,
    "ResourceNotFound": 404,
    "InvalidJsonSchema": 400,
    "InvalidDataFormat": 400,
    "InvalidIdentifier": 400,
    "RelationConflict": 409,
    "ReferenceConstraint": 409,
    "ResourceLockedConflict": 409,
    "ResourceGone": 410,
    "ReferenceNotFound": 400,
    "InvalidQuery": 400,
    "Runtime": 400,
    "AlreadyExists": 409,
    "RateLimited": 429,
    "PaymentRequired": 402,
    "QuotaExceeded": 403,
    "LimitExceeded": 413,
    "BreakingChanges": 400,
    "OperationTimeout": 504,
}

# The Botpress type of a domain error, by the HTTP status the core gave it. A 422 (a well-formed
# request that breaks a rule, or a schema violation) is Botpress's InvalidPayload, a 400.
_TYPE_BY_STATUS: dict[int, str] = {
    400: "InvalidPayload",
    401: "Unauthorized",
    402: "PaymentRequired",
    403: "Forbidden",
    404: "ResourceNotFound",
    405: "MethodNotFound",
    409: "AlreadyExists",
    410: "ResourceGone",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidPayload",
    429: "RateLimited",
    504: "OperationTimeout",
}


class BotpressError(HubbubError):
    """An error the dialect raises with an explicit Botpress type."""

    def __init__(
        self, error_type: str, message: str, *, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.botpress_type = error_type
        self.status_code = ERROR_STATUS[error_type]


def invalid_query(message: str, *, field: str) -> BotpressError:
    return BotpressError("InvalidQuery", message, details={"field": field})


def error_type(error: HubbubError) -> str:
    if isinstance(error, BotpressError):
        return error.botpress_type
    if isinstance(error, InvalidCursor):
        return "InvalidQuery"
    return _TYPE_BY_STATUS.get(error.status_code, "Internal")


def new_error_id() -> str:
    """The client's own format: ``err_`` + UTC time + ``x`` + 8 upper-case hex digits."""
    return f"err_{utcnow():%Y%m%d%H%M%S}x{secrets.token_hex(4).upper()}"


# Core field names as Botpress calls them, in ``metadata.field``.
_WIRE_FIELDS: dict[str, str] = {"author.id": "userId"}


def render_botpress_error(request: Request, error: HubbubError) -> Response:
    kind = error_type(error)
    status = ERROR_STATUS[kind]
    body: dict[str, Any] = {
        "id": new_error_id(),
        "code": status,
        "type": kind,
        "message": error.message,
    }
    if error.details:
        field = error.details.get("field")
        wire = _WIRE_FIELDS.get(field) if isinstance(field, str) else None
        body["metadata"] = error.details if wire is None else {**error.details, "field": wire}
    return json_response(body, status)
