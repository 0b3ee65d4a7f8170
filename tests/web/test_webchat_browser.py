"""The webchat widget in a real headless Chromium (Debian's ``chromium``, driven by
Playwright) against a real Hubbub on loopback with its worker: the visitor's message arrives
as an incoming message, an agent's reply appears in the page and goes ``delivered`` then
``read``, a hidden page does not acknowledge what it has not shown, and a reload keeps the user
and the conversation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from playwright.async_api import Browser, Page

from hubbub.db.uow import Database
from tests.conftest import WorkspaceFixture
from tests.realtime.server import serving

# Set once the page shows the history and can send (the stream is open by then).
READY = '#webchat[data-state="ready"]'
# Lets a test hide the page: headless pages are always visible otherwise.
VISIBILITY_SWITCH = """
window.__hubbubHidden = false;
Object.defineProperty(document, "visibilityState", {
  configurable: true,
  get: function () { return window.__hubbubHidden ? "hidden" : "visible"; },
});
"""


@dataclass
class Hubbub:
    http: httpx.AsyncClient
    base_url: str
    workspace: WorkspaceFixture
    channel_id: str

    @property
    def widget_url(self) -> str:
        return f"{self.base_url}/webchat/{self.channel_id}/"

    async def native(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(method, path, headers=self.workspace.headers, **kwargs)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def reply(self, conversation_id: str, text: str) -> str:
        body = {"conversation_id": conversation_id, "payload": {"type": "text", "text": text}}
        message_id: str = (await self.native("POST", "/v1/messages", json=body))["id"]
        return message_id

    async def status(self, message_id: str) -> str:
        return str((await self.native("GET", f"/v1/messages/{message_id}"))["status"])

    async def history(self, message_id: str) -> list[str]:
        page = await self.native(
            "GET", f"/v1/messages/{message_id}/interactions", params={"order": "asc"}
        )
        return [item["type"] for item in page["data"]]


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


@pytest_asyncio.fixture
async def hubbub(
    database: Database, workspace: WorkspaceFixture, tmp_path: Path
) -> AsyncIterator[Hubbub]:
    async with (
        serving(database, tmp_path, run_worker=True, worker_poll_seconds=0.05) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10) as http,
    ):
        channel = await http.post(
            "/v1/channels",
            json={"platform": "webchat", "name": "site chat"},
            headers=workspace.headers,
        )
        assert channel.status_code == 201, channel.text
        yield Hubbub(http, base_url, workspace, channel.json()["id"])


async def open_widget(browser: Browser, hubbub: Hubbub) -> Page:
    page = await browser.new_page()
    await page.add_init_script(VISIBILITY_SWITCH)
    await page.goto(hubbub.widget_url)
    await page.wait_for_selector(READY)
    return page


async def stored_session(page: Page, hubbub: Hubbub) -> dict[str, str]:
    key = f"hubbub-webchat:{hubbub.base_url}/webchat/{hubbub.channel_id}"
    session: dict[str, str] = await page.evaluate(
        "(key) => JSON.parse(localStorage.getItem(key))", key
    )
    return session


async def type_and_send(page: Page, text: str) -> None:
    await page.fill("#webchat-input", text)
    await page.click("#webchat-send")
    await page.wait_for_selector(f'.webchat-message.mine:has-text("{text}")')


async def test_a_visitor_chats_with_an_agent_through_the_widget(
    browser: Browser, hubbub: Hubbub
) -> None:
    page = await open_widget(browser, hubbub)
    await type_and_send(page, "Hello, is anyone there?")
    session = await stored_session(page, hubbub)

    listed = await hubbub.native(
        "GET", "/v1/messages", params={"channel_id": hubbub.channel_id, "direction": "incoming"}
    )
    [incoming] = listed["data"]
    assert incoming["text"] == "Hello, is anyone there?"
    assert incoming["author"] == {"type": "contact", "id": session["userId"]}
    assert incoming["conversation_id"] == session["conversationId"]
    assert await page.input_value("#webchat-input") == ""

    reply = await hubbub.reply(session["conversationId"], "Yes! How can I help?")
    shown = page.locator(f'.webchat-message.theirs[data-message-id="{reply}"]')
    await shown.wait_for()
    assert await shown.inner_text() == "Yes! How can I help?"

    async def read() -> bool:
        return await hubbub.status(reply) == "read"

    await eventually(read)
    assert await hubbub.history(reply) == ["sending", "sent", "delivered", "read"]
    await page.wait_for_selector(f'[data-message-id="{reply}"][data-read="true"]')
    await page.close()


async def test_a_hidden_page_acknowledges_only_once_it_is_visible(
    browser: Browser, hubbub: Hubbub
) -> None:
    page = await open_widget(browser, hubbub)
    await type_and_send(page, "I will be in another tab")
    session = await stored_session(page, hubbub)
    await page.evaluate("window.__hubbubHidden = true")

    reply = await hubbub.reply(session["conversationId"], "Take your time")
    await page.wait_for_selector(f'[data-message-id="{reply}"]')

    async def delivered() -> bool:
        return await hubbub.status(reply) == "delivered"

    await eventually(delivered)
    await asyncio.sleep(0.5)
    assert await hubbub.status(reply) == "delivered"  # shown, but nobody could see it

    await page.evaluate(
        "window.__hubbubHidden = false; document.dispatchEvent(new Event('visibilitychange'))"
    )

    async def read() -> bool:
        return await hubbub.status(reply) == "read"

    await eventually(read)
    await page.close()


async def test_a_reload_keeps_the_user_and_the_conversation(
    browser: Browser, hubbub: Hubbub
) -> None:
    page = await open_widget(browser, hubbub)
    await type_and_send(page, "first visit")
    before = await stored_session(page, hubbub)
    reply = await hubbub.reply(before["conversationId"], "welcome back anytime")
    await page.wait_for_selector(f'[data-message-id="{reply}"][data-read="true"]')

    await page.reload()
    await page.wait_for_selector(READY)
    assert await stored_session(page, hubbub) == before
    texts = await page.locator(".webchat-message").all_inner_texts()
    assert texts == ["first visit", "welcome back anytime"]
    await type_and_send(page, "second visit")
    listed = await hubbub.native(
        "GET", "/v1/messages", params={"conversation_id": before["conversationId"]}
    )
    assert len(listed["data"]) == 3
    await page.close()
