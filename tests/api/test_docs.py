"""The documentation pages name only assets Hubbub serves itself."""

from __future__ import annotations

import re

import httpx
import pytest

from hubbub.api.docs import ASSETS

# Any URL with a scheme and host: a page that names one would need that host to render.
ABSOLUTE_URL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_a_page_loads_nothing_from_another_host(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/docs/assets/" in response.text
    assert "cdn.jsdelivr" not in response.text
    assert "fonts.googleapis" not in response.text
    assert not ABSOLUTE_URL.search(response.text), response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("name", sorted(ASSETS))
async def test_every_asset_is_served_from_the_package(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/docs/assets/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == ASSETS[name][1]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.content) > 500


async def test_an_unknown_asset_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs/assets/..%2Fwebchat%2Findex.html")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
