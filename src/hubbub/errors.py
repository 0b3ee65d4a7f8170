"""Domain errors. Each carries the HTTP status a surface should answer with; every surface
renders them in its own vendor's shape.

    HubbubError
    ├── InvalidInput (400)          bad field values that passed schema validation
    │   └── InvalidCursor (400)
    ├── Unauthenticated (401)
    ├── Forbidden (403)             a key of another workspace, or a missing scope
    ├── NotFound (404)
    ├── Conflict (409)
    │   └── IdempotencyConflict (409)
    ├── PayloadTooLarge (413)
    ├── UnprocessableEntity (422)   a request that is well formed but breaks a business rule
    └── Unavailable (503)           the server is too busy right now; the request may be retried
"""

from __future__ import annotations

from typing import Any


class HubbubError(Exception):
    status_code = 500
    code = "internal"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(HubbubError):
    status_code = 400
    code = "invalid_input"

    def __init__(
        self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        merged = dict(details or {})
        if field is not None:
            merged.setdefault("field", field)
        super().__init__(message, details=merged)
        self.field = field


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"


class Unauthenticated(HubbubError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(HubbubError):
    status_code = 403
    code = "forbidden"


class NotFound(HubbubError):
    status_code = 404
    code = "not_found"

    def __init__(self, resource: str, resource_id: str) -> None:
        super().__init__(
            f"{resource} {resource_id} not found",
            details={"resource": resource, "id": resource_id},
        )
        self.resource = resource
        self.resource_id = resource_id


class Conflict(HubbubError):
    status_code = 409
    code = "conflict"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class PayloadTooLarge(HubbubError):
    status_code = 413
    code = "payload_too_large"


class UnprocessableEntity(HubbubError):
    status_code = 422
    code = "unprocessable"

    def __init__(
        self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        merged = dict(details or {})
        if field is not None:
            merged.setdefault("field", field)
        super().__init__(message, details=merged)
        self.field = field


class Unavailable(HubbubError):
    status_code = 503
    code = "unavailable"
