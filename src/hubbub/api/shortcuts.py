"""Shortcuts: the busiest routes answered in front of the whole middleware stack.

Every request to a FastAPI app walks Starlette's and FastAPI's layers (server errors,
telemetry, two body limits, CORS, exception handling, an exit stack, the router), each
wrapping ``receive`` and ``send``: on ``POST /v1/messages`` that was an eighth of the server's
time. A shortcut is an ASGI callable registered for one method and path; it answers the
ordinary request itself and hands any other one to ``full_stack``, which is the app as if the
shortcut did not exist. Errors it raises are rendered by the app's own exception handlers, so
they keep the shape and status they have everywhere else.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send


class ShortcutApp(FastAPI):
    """A FastAPI app that lets registered shortcuts answer before its middleware stack."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.shortcuts: dict[tuple[str, str], ASGIApp] = {}

    def add_shortcut(self, method: str, path: str, shortcut: ASGIApp) -> None:
        self.shortcuts[(method, path)] = shortcut

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.root_path:
            shortcut = self.shortcuts.get((scope["method"], scope["path"]))
            if shortcut is not None:
                scope["app"] = self
                await shortcut(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def full_stack(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)

    async def render_error(self, request: Request, error: Exception) -> Response:
        """What the app's exception handlers answer for ``error`` (as Starlette picks them:
        the handler of the nearest class in its MRO)."""
        for cls in type(error).__mro__:
            handler = self.exception_handlers.get(cls)
            if handler is not None:
                response: Response = await handler(request, error)  # type: ignore[misc]
                return response
        raise error
