"""Error rendering. Every surface answers in its own vendor's shape: a surface registers a
renderer for its path prefix, and the app-wide handlers pick the renderer by path, so no error
(not even a routing 404 or a body-size 413) leaks another surface's shape."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from hubbub.db.errors import STATEMENT_ERRORS, is_unstorable_value, is_vanished_reference
from hubbub.errors import (
    Conflict,
    Forbidden,
    HubbubError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    Unavailable,
    UnprocessableEntity,
)

log = logging.getLogger(__name__)

Renderer = Callable[[Request, HubbubError], Response]
RETRY_AFTER_SECONDS = 1


class MethodNotAllowed(HubbubError):
    status_code = 405
    code = "method_not_allowed"


class UnsupportedMediaType(HubbubError):
    status_code = 415
    code = "unsupported_media_type"


class Internal(HubbubError):
    status_code = 500
    code = "internal"


def json_response(body: Any, status_code: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status_code, media_type="application/json", headers=headers
    )


def render_native(request: Request, error: HubbubError) -> Response:
    body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthenticated) else None
    return json_response(body, error.status_code, headers)


_renderers: list[tuple[str, Renderer]] = []


def register_renderer(prefix: str, renderer: Renderer) -> None:
    _renderers.append((prefix, renderer))
    _renderers.sort(key=lambda item: len(item[0]), reverse=True)


def render(request: Request, error: HubbubError) -> Response:
    path = request.url.path
    for prefix, renderer in _renderers:
        if path.startswith(prefix):
            return renderer(request, error)
    return render_native(request, error)


def validation_error(exc: RequestValidationError) -> HubbubError:
    """Turn pydantic's errors into one domain error naming the offending fields."""
    fields: dict[str, list[str]] = {}
    body_unparsable = False
    for item in exc.errors():
        location = [str(part) for part in item.get("loc", ())]
        if item.get("type") == "json_invalid":
            body_unparsable = True
        if location and location[0] in ("body", "query", "path", "header"):
            location = location[1:] or location
        name = ".".join(location) or "body"
        fields.setdefault(name, []).append(str(item.get("msg", "invalid value")))
    if body_unparsable:
        return InvalidInput("the request body is not valid JSON", field="body")
    first = next(iter(fields), "body")
    message = f"invalid value for '{first}': {fields[first][0]}" if fields else "invalid request"
    return UnprocessableEntity(message, field=first, details={"fields": fields})


# What pydantic says of a body that was not parsed as JSON at all (FastAPI hands a form or the
# raw bytes to the model): "Input should be a valid dictionary", which names no cause.
_NOT_AN_OBJECT = frozenset({"model_attributes_type", "dict_type", "model_type"})


def not_json(request: Request, exc: RequestValidationError) -> HubbubError | None:
    """A 415 naming the content type, when the body was refused because it was not sent as
    JSON; None for every other validation error."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not content_type or content_type == "application/json" or content_type.endswith("+json"):
        return None
    whole_body = [item for item in exc.errors() if tuple(item.get("loc", ())) == ("body",)]
    if not any(item.get("type") in _NOT_AN_OBJECT for item in whole_body):
        return None
    return UnsupportedMediaType(
        f"the request body must be JSON sent with 'Content-Type: application/json'; this one "
        f"was sent as '{content_type}'",
        details={"field": "Content-Type"},
    )


def http_error(exc: StarletteHTTPException) -> HubbubError:
    detail = str(exc.detail) if exc.detail else ""
    mapping: dict[int, Callable[[], HubbubError]] = {
        400: lambda: InvalidInput(detail or "bad request"),
        401: lambda: Unauthenticated(detail or "authentication required"),
        403: lambda: Forbidden(detail or "forbidden"),
        404: lambda: NotFound("route", detail or "not found"),
        405: lambda: MethodNotAllowed(detail or "method not allowed"),
        409: lambda: Conflict(detail or "conflict"),
        413: lambda: PayloadTooLarge(detail or "request body too large"),
        415: lambda: UnsupportedMediaType(detail or "unsupported media type"),
        422: lambda: UnprocessableEntity(detail or "unprocessable request"),
    }
    factory = mapping.get(exc.status_code)
    if factory is None:
        error = HubbubError(detail or "error")
        error.status_code = exc.status_code
        return error
    return factory()


def install_error_handlers(app: FastAPI) -> None:
    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HubbubError)
        return render(request, exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return render(request, not_json(request, exc) or validation_error(exc))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404 and exc.detail == "Not Found":
            return render(request, NotFound("route", request.url.path))
        return render(request, http_error(exc))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, Internal("internal error"))

    async def on_statement_error(request: Request, exc: Exception) -> Response:
        # A value no schema bounded (a NUL character, a 30-digit number) that the database
        # refused is the caller's mistake; anything else a statement raises is ours.
        if is_unstorable_value(exc):
            return render(
                request,
                InvalidInput(
                    "the request holds a value the database cannot take "
                    "(such as a NUL character or an out-of-range number)"
                ),
            )
        if is_vanished_reference(exc):
            return render(
                request, Conflict("a record this request refers to was deleted meanwhile")
            )
        return await on_unexpected(request, exc)

    async def on_pool_timeout(request: Request, exc: Exception) -> Response:
        # Every database connection stayed busy for the pool's whole timeout: an overload,
        # not a fault; the client may try again shortly.
        log.warning("no database connection free for %s %s", request.method, request.url.path)
        response = render(request, Unavailable("the server is busy; retry shortly"))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    app.add_exception_handler(HubbubError, on_domain_error)
    app.add_exception_handler(PoolTimeout, on_pool_timeout)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    for error_type in STATEMENT_ERRORS:
        app.add_exception_handler(error_type, on_statement_error)
    app.add_exception_handler(Exception, on_unexpected)
