"""The routes a page needs before it has a user: ``GET /hello`` (what the Chat client's
``connect`` probes) and the widget itself, a static page with plain JavaScript
(``hubbub/web/webchat``) that talks to this API from the channel's own URL."""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

from hubbub.api.errors import json_response
from hubbub.api.webchat.deps import ReadChannel

router = APIRouter(tags=["webchat"])

ASSETS = {
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
}
PAGE = "index.html"
ASSET_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


@cache
def asset(name: str) -> bytes:
    return resources.files("hubbub.web").joinpath("webchat", name).read_bytes()


@router.get("/hello")
@router.get("/hello/", include_in_schema=False)
async def hello(channel: ReadChannel) -> Response:
    return json_response({"status": "ok", "channel": {"id": channel.id, "name": channel.name}}, 200)


@router.get("/")
async def widget_page(channel: ReadChannel) -> Response:
    return Response(asset(PAGE), media_type="text/html; charset=utf-8", headers=ASSET_HEADERS)


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> Response:
    return _asset("widget.js")


@router.get("/widget.css", include_in_schema=False)
async def widget_style() -> Response:
    return _asset("widget.css")


def _asset(name: str) -> Response:
    return Response(asset(name), media_type=ASSETS[name], headers=ASSET_HEADERS)
