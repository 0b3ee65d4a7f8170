"""``/docs`` and ``/redoc`` render in a real headless Chromium that may reach nothing but the
Hubbub under test: every request to another host is aborted and recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest_asyncio
from playwright.async_api import Browser, Page, Route

from hubbub.db.uow import Database
from tests.realtime.server import serving


@pytest_asyncio.fixture
async def base_url(database: Database, tmp_path: Path) -> AsyncIterator[str]:
    async with serving(database, tmp_path) as url:
        yield url


async def offline_page(browser: Browser, base_url: str, elsewhere: list[str]) -> Page:
    page = await browser.new_page()
    own_host = urlsplit(base_url).netloc

    async def only_hubbub(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own_host:
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_hubbub)
    return page


async def test_swagger_ui_shows_the_operations_offline(browser: Browser, base_url: str) -> None:
    elsewhere: list[str] = []
    page = await offline_page(browser, base_url, elsewhere)
    await page.goto(f"{base_url}/docs")
    await page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = await page.locator(".opblock-summary-path").all_inner_texts()
    assert any(path.replace("\u200b", "") == "/v1/messages" for path in paths)
    assert elsewhere == []


async def test_redoc_shows_the_operations_offline(browser: Browser, base_url: str) -> None:
    elsewhere: list[str] = []
    page = await offline_page(browser, base_url, elsewhere)
    await page.goto(f"{base_url}/redoc")
    await page.wait_for_selector("[data-section-id]", timeout=30_000)
    assert await page.locator("[data-section-id]").count() > 10
    assert elsewhere == []
