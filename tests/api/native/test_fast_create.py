"""``POST /v1/messages`` answers the ordinary request itself and hands every other one to the
FastAPI route it shadows, so a request gets the same answer whichever way it went."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from starlette.types import Receive, Scope, Send

from hubbub.api.native.fast_create import PATH, FastCreate
from hubbub.api.shortcuts import ShortcutApp
from hubbub.config import Settings
from hubbub.db.uow import Database
from tests.conftest import WorkspaceFixture
from tests.messages.factories import Scene, make_scene, text


class CountingFallback:
    def __init__(self, route: Any) -> None:
        self.route = route
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await self.route(scope, receive, send)


@pytest.fixture
def fallback(app: ShortcutApp, monkeypatch: pytest.MonkeyPatch) -> CountingFallback:
    fast = app.shortcuts[("POST", PATH)]
    assert isinstance(fast, FastCreate)
    counting = CountingFallback(fast.fallback)
    monkeypatch.setattr(fast, "fallback", counting)
    return counting


@pytest_asyncio.fixture
async def scene(database: Database, workspace: WorkspaceFixture) -> Scene:
    async with database.transaction() as session:
        return await make_scene(session, workspace.id)


def body_for(scene: Scene, words: str = "hi") -> dict[str, Any]:
    return {"conversation_id": scene.conversation.id, "payload": text(words)}


async def test_the_ordinary_create_is_answered_by_the_fast_route(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene, fallback: CountingFallback
) -> None:
    response = await client.post(PATH, json=body_for(scene), headers=workspace.headers)
    assert response.status_code == 201
    created = response.json()
    fetched = await client.get(f"{PATH}/{created['id']}", headers=workspace.headers)
    assert fetched.json() == created
    assert fallback.calls == 0


async def test_idempotent_replay_through_the_fast_route(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene, fallback: CountingFallback
) -> None:
    headers = {**workspace.headers, "Idempotency-Key": "fast-1"}
    first = await client.post(PATH, json=body_for(scene), headers=headers)
    again = await client.post(PATH, json=body_for(scene), headers=headers)
    other = await client.post(PATH, json=body_for(scene, "other"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert fallback.calls == 0


GOOD = "good"  # stands for a valid body of the scene


@pytest.mark.parametrize(
    ("authorization", "content_type", "content", "status", "code"),
    [
        ("Bearer nope.nope", "application/json", GOOD, 401, "unauthenticated"),
        (None, "application/json", GOOD, 401, "unauthenticated"),
        ("key", "text/plain", GOOD, 415, "unsupported_media_type"),
        ("key", "application/json", "{not json", 400, "invalid_input"),
        ("key", "application/json", '{"payload": {"type": "nope"}}', 422, "unprocessable"),
    ],
)
async def test_every_other_request_gets_the_fastapi_route_answer(
    client: httpx.AsyncClient,
    workspace: WorkspaceFixture,
    scene: Scene,
    fallback: CountingFallback,
    authorization: str | None,
    content_type: str,
    content: str,
    status: int,
    code: str,
) -> None:
    headers = {"Content-Type": content_type}
    if authorization is not None:
        headers["Authorization"] = (
            workspace.headers["Authorization"] if authorization == "key" else authorization
        )
    payload = orjson.dumps(body_for(scene)) if content == GOOD else content.encode()
    response = await client.post(PATH, content=payload, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert fallback.calls == 1


async def test_an_error_of_the_create_itself_is_rendered_without_the_full_stack(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, fallback: CountingFallback
) -> None:
    body = {"conversation_id": "0190a1b2-0000-7000-8000-000000000000", "payload": text("hi")}
    response = await client.post(PATH, json=body, headers=workspace.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert fallback.calls == 0


async def test_a_body_over_the_limit_gets_the_full_stack_413(
    client: httpx.AsyncClient,
    workspace: WorkspaceFixture,
    scene: Scene,
    fallback: CountingFallback,
    settings: Settings,
) -> None:
    body = body_for(scene, "x" * settings.max_body_bytes)
    response = await client.post(PATH, json=body, headers=workspace.headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert fallback.calls == 1


async def test_a_body_of_undeclared_length_is_created_through_the_full_stack(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene, fallback: CountingFallback
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield orjson.dumps(body_for(scene, "chunked"))

    headers = {**workspace.headers, "Content-Type": "application/json"}
    response = await client.post(PATH, content=chunks(), headers=headers)
    assert response.status_code == 201
    assert response.json()["text"] == "chunked"
    assert fallback.calls == 1


async def test_the_created_message_reads_back_the_same(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, scene: Scene
) -> None:
    """The create renders its message straight to JSON; a read renders it through FastAPI.
    Both must give the same text for unicode, escapes and tags."""
    body = {**body_for(scene, 'héllo 👋 "quoted" \\ back\nslash'), "tags": {"ünï": "cødé"}}
    created = await client.post(PATH, json=body, headers=workspace.headers)
    assert created.status_code == 201
    fetched = await client.get(f"{PATH}/{created.json()['id']}", headers=workspace.headers)
    assert orjson.loads(created.content) == orjson.loads(fetched.content)
    assert created.json()["text"] == 'héllo 👋 "quoted" \\ back\nslash'
