"""A pure-ASGI guard that refuses request bodies over the configured size with a 413 in the
calling surface's shape, before any of the body is buffered."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hubbub.api.errors import render
from hubbub.errors import PayloadTooLarge

# Routes that stream their body to storage and enforce their own, finer limit while reading it
# (the media upload): they may take the app's ``max_upload_bytes`` plus the form's framing.
UPLOAD_PATHS = frozenset({"/media/upload"})
UPLOAD_FRAMING_BYTES = 64 * 1024


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt_prefixes: tuple[str, ...] = ()):
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0

        async def counting_receive() -> Message:
            # A chunked body with no declared length: the error is raised where the endpoint
            # reads the body, so the app's handlers render it in the surface's shape. It is an
            # HTTPException because FastAPI turns any other error raised while it reads the
            # body into a 400 "error parsing the body".
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, detail=self._error(limit).message)
            return message

        await self.app(scope, counting_receive, send)

    def _limit_for(self, scope: Scope) -> int:
        if scope["path"] not in UPLOAD_PATHS:
            return self.max_bytes
        settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
        max_upload = getattr(settings, "max_upload_bytes", None)
        if not isinstance(max_upload, int):
            return self.max_bytes
        return max(self.max_bytes, max_upload + UPLOAD_FRAMING_BYTES)

    def _error(self, limit: int) -> PayloadTooLarge:
        return PayloadTooLarge(f"the request body is larger than {limit} bytes")

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        response = render(Request(scope), self._error(limit))
        await response(scope, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
