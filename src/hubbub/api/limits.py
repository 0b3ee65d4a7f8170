"""A pure-ASGI guard that refuses request bodies over the configured size with a 413 in the
calling surface's shape, before any of the body is buffered."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hubbub.api.errors import render
from hubbub.errors import PayloadTooLarge


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt_prefixes: tuple[str, ...] = ()):
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, send)
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
                if received > self.max_bytes:
                    raise HTTPException(413, detail=self._error().message)
            return message

        await self.app(scope, counting_receive, send)

    def _error(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"the request body is larger than {self.max_bytes} bytes")

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = render(Request(scope), self._error())
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
