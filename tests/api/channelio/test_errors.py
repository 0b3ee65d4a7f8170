"""Every way a Channel.io request can go wrong answers in Channel.io's shape: unknown routes,
wrong methods, bad bodies, and never FastAPI's default 422 body."""

from __future__ import annotations

import httpx
import pytest

from hubbub.api.channelio.errors import error_body
from hubbub.config import Settings
from hubbub.errors import Conflict, NotFound, UnprocessableEntity
from tests.api.channelio.conftest import BASE, Api, error_of


@pytest.mark.parametrize("path", ["/nothing", "/user-chats/a/b/c", "/../v5x"])
async def test_an_unknown_route_is_a_404(api: Api, path: str) -> None:
    error_of(await api.request("GET", path), 404, "notFound")


async def test_an_unknown_route_outside_v5_is_still_channelio(
    client: httpx.AsyncClient,
) -> None:
    error_of(await client.get("/compat/channelio/open/v4/users/x"), 404, "notFound")


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/user-chats"), ("PUT", "/users/x"), ("GET", "/users/@m/x")]
)
async def test_a_wrong_method_or_path_is_refused(api: Api, method: str, path: str) -> None:
    response = await api.request(method, path, json={})
    assert response.status_code in (404, 405)
    error_of(
        response,
        response.status_code,
        "notFound" if response.status_code == 404 else "methodNotAllowed",
    )


async def test_fastapi_default_422_never_leaks(api: Api) -> None:
    user = await api.upsert_user("err-user")
    chat = await api.create_chat(user["id"])
    for response in (
        await api.request("PUT", "/users/@x", json=[1, 2]),
        await api.request("PATCH", f"/user-chats/{chat['id']}", json={"description": 5}),
        await api.send(chat["id"], {"blocks": "nope"}),
        await api.request("GET", "/user-chats", params={"limit": "many"}),
    ):
        assert "detail" not in response.json()
        error_of(response, 422, "unprocessableEntity")


def test_error_body_shapes() -> None:
    assert error_body(NotFound("conversation", "c1")) == {
        "type": "notFound",
        "status": 404,
        "errors": [{"message": "UserChat not found"}],
    }
    assert error_body(Conflict("taken"))["errors"] == [{"message": "taken"}]
    failed = UnprocessableEntity("bad", details={"fields": {"a": ["x", "y"], "b": ["z"]}})
    assert error_body(failed)["errors"] == [
        {"field": "a", "message": "x"},
        {"field": "a", "message": "y"},
        {"field": "b", "message": "z"},
    ]


async def test_body_too_large_is_channelio_shaped(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    big = b"x" * (settings.max_body_bytes + 1)
    response = await client.put(BASE + "/users/@big", content=big)
    error_of(response, 413, "payloadTooLarge")
