"""The API's own documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), with every
asset served from the package (``hubbub/web/vendor``): FastAPI's defaults load them from a CDN
and Google Fonts, so a self-hosted Hubbub without internet access showed blank pages."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from hubbub.errors import NotFound

ASSET_PREFIX: Final = "/docs/assets"
# name -> (vendored file under hubbub/web/vendor, content type); nothing else is served.
ASSETS: Final = {
    "swagger-ui-bundle.js": ("swagger-ui/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("swagger-ui/swagger-ui.css", "text/css; charset=utf-8"),
    "favicon.png": ("swagger-ui/favicon-32x32.png", "image/png"),
    "redoc.standalone.js": ("redoc/redoc.standalone.js", "text/javascript; charset=utf-8"),
}
# The files change only with a new release of Hubbub, whose pages name the same URLs: a day of
# caching spares reloading 3 MB at every visit without pinning an old copy for long.
ASSET_HEADERS: Final = {
    "Cache-Control": "public, max-age=86400",
    "X-Content-Type-Options": "nosniff",
}

# The pages may load nothing from another host: ReDoc's sidebar shows Redocly's logo from its
# CDN, which the browser would otherwise fetch (and tell that host who reads the docs). Both
# pages start their viewer with an inline script and ReDoc styles itself inline.
PAGE_POLICY: Final = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'"
)


@cache
def asset(name: str) -> bytes:
    path, _ = ASSETS[name]
    return resources.files("hubbub.web").joinpath("vendor", path).read_bytes()


def install(app: FastAPI) -> None:
    """Serve the documentation pages; ``app`` must be built with ``docs_url=None`` and
    ``redoc_url=None`` so these replace FastAPI's CDN-backed ones."""
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _own_assets_only(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=title,
                swagger_js_url=f"{ASSET_PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSET_PREFIX}/swagger-ui.css",
                swagger_favicon_url=f"{ASSET_PREFIX}/favicon.png",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _own_assets_only(
            get_redoc_html(
                openapi_url=openapi_url,
                title=title,
                redoc_js_url=f"{ASSET_PREFIX}/redoc.standalone.js",
                redoc_favicon_url=f"{ASSET_PREFIX}/favicon.png",
                with_google_fonts=False,
            )
        )

    @app.get(ASSET_PREFIX + "/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        if name not in ASSETS:
            raise NotFound("asset", name)
        return Response(asset(name), media_type=ASSETS[name][1], headers=ASSET_HEADERS)


def _own_assets_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = PAGE_POLICY
    page.headers["X-Content-Type-Options"] = "nosniff"
    return page
