"""Browser fixtures: Debian's Chromium driven by Playwright (its own browser download cannot
reach its CDN from here, so the tests point it at this binary)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium; its absence is a failure, not a skip: the suite must test the web."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium package, which "
            "`make test` installs (apt-get install chromium)"
        )
    return CHROMIUM


@pytest_asyncio.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            yield launched
        finally:
            await launched.close()
