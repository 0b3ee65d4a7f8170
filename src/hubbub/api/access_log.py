"""The request log of ``hubbub serve``: one compact line per request on stderr,

    2026-12-07T23:45:01Z POST /v1/messages 201 3.1ms

the method, the path without its query string (signed media links and webchat keys travel
there), the status and the time to the last byte of the response. It wraps the whole app, so
the shortcuts in front of the middleware stack (``POST /v1/messages``) are logged as well.
``HUBBUB_ACCESS_LOG=false`` turns it off."""

from __future__ import annotations

import logging
import sys
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("hubbub.access")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before responding

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            path = _printable(scope["path"])
            logger.info("%s %s %d %.1fms", scope["method"], path, status, elapsed_ms)


def _printable(path: str) -> str:
    """The path as one line: it is percent-decoded, so ``%0a`` would otherwise let a client
    write a line of its own into the log."""
    return path if path.isprintable() else path.encode("unicode_escape").decode("ascii")


def configure_access_logger() -> None:
    """Lines to stderr, with a UTC time, whatever the root logger is set to."""
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
