"""The busiest route, ``POST /v1/messages``, as a shortcut (``hubbub.api.shortcuts``): in front
of the middleware stack and without FastAPI's per-request machinery.

FastAPI solves the endpoint's dependency tree, reads and re-validates the body and walks its
own wrappers on every call, and the middleware stack wraps ``receive`` and ``send`` layer by
layer: on the create path that was about two fifths of the server's time. This shortcut does
the same work directly for the ordinary request (a declared body within the size limit, an
authorised key, a JSON body that validates) and hands every other request to the full stack,
with the body replayed, so errors keep exactly the shape, status and order they have
everywhere else. Errors the create itself raises are rendered by the app's exception handlers.
The FastAPI route it shadows stays the one OpenAPI documents.
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hubbub.api.auth import authenticate, token_from_authorization
from hubbub.api.deps import get_database
from hubbub.api.native.endpoints.messages import respond_to_create
from hubbub.api.shortcuts import ShortcutApp
from hubbub.errors import HubbubError
from hubbub.messages.schemas import MessageCreate
from hubbub.workspaces.schemas import Actor

PATH = "/v1/messages"
JSON_TYPES = frozenset({"application/json", "application/json; charset=utf-8"})


class FastCreate:
    def __init__(self, app: ShortcutApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.fallback: ASGIApp = app.full_stack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if not self._within_limit(request):
            # Too big, or of no declared length: the full stack's limit answers or counts it.
            await self.fallback(scope, receive, send)
            return
        body = await request.body()
        try:
            actor = await self._writer(request)
        except Exception as error:  # the key could not be looked up (a busy database: 503)
            await (await self.app.render_error(request, error))(scope, receive, send)
            return
        data = _parse(request, body) if actor is not None else None
        if actor is None or data is None:
            await self.fallback(scope, _replay(body), send)
            return
        try:
            async with get_database(request).transaction() as session:
                response = await respond_to_create(
                    request, data, actor, session, request.headers.get("idempotency-key")
                )
        except Exception as error:
            response = await self.app.render_error(request, error)
        await response(scope, receive, send)

    def _within_limit(self, request: Request) -> bool:
        declared = request.headers.get("content-length")
        return declared is not None and declared.isdigit() and int(declared) <= self.max_body_bytes

    async def _writer(self, request: Request) -> Actor | None:
        try:
            actor = await authenticate(get_database(request), token_from_authorization(request))
        except HubbubError:
            return None
        return actor if actor.can("write") else None


def _parse(request: Request, body: bytes) -> MessageCreate | None:
    if request.headers.get("content-type", "").lower() not in JSON_TYPES:
        return None
    try:
        return MessageCreate.model_validate_json(body)
    except ValidationError:
        return None


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def install(app: ShortcutApp) -> None:
    max_body_bytes: int = app.state.settings.max_body_bytes
    app.add_shortcut("POST", PATH, FastCreate(app, max_body_bytes=max_body_bytes))
