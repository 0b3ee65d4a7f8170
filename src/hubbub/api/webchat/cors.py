"""CORS for the end-user API only: a website on another origin calls ``/webchat/...`` from its
visitors' browsers, while the rest of Hubbub (keys that are secrets) stays same-origin.

The Chat client sends its requests with credentials (axios ``withCredentials`` in browsers),
which browsers refuse to pair with ``Access-Control-Allow-Origin: *``; so every allowed origin
is echoed back by name, with ``Allow-Credentials``. That grants nothing: this API authenticates
with the ``x-user-key`` header and sets no cookies."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
MAX_AGE_SECONDS = 600


def allowed_origins(setting: str) -> list[str]:
    """The setting's origins: comma-separated, ``*`` for any."""
    return [origin.strip().rstrip("/") for origin in setting.split(",") if origin.strip()]


class ScopedCors:
    """``CORSMiddleware`` for the paths under ``prefix``; every other path passes untouched."""

    def __init__(self, app: ASGIApp, *, prefix: str, origins: list[str]) -> None:
        self.app = app
        self.prefix = prefix
        any_origin = "*" in origins
        self.cors = CORSMiddleware(
            app,
            allow_origins=[] if any_origin else origins,
            allow_origin_regex=".*" if any_origin else None,
            allow_methods=METHODS,
            allow_headers=["*"],
            allow_credentials=True,
            max_age=MAX_AGE_SECONDS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith(self.prefix):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
