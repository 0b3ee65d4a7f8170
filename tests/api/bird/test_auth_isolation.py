"""Authentication and workspace isolation on every Bird route, read from the app so a new
route cannot be forgotten: no key, a bad key, another workspace's key, a read-only key on a
write, and B's key on B's workspace path naming A's resources."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest_asyncio
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.api.bird.conftest import PREFIX, Bird, assert_bird_error, text_send, unique_phone

SECRET = "A-secret-words"
_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    method: str
    path: str

    def url(self, values: dict[str, str]) -> str:
        return _PARAM.sub(lambda match: values[match[1]], self.path)

    @property
    def params(self) -> set[str]:
        return set(_PARAM.findall(self.path))


def bird_routes(app: FastAPI) -> list[Route]:
    return [
        Route(method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith(PREFIX + "/")
        for method in sorted(route.methods or ())
    ]


def body_for(route: Route) -> Any:
    if route.path.endswith("/batch/messages"):
        return {"messageRequests": [text_send(unique_phone())]}
    if route.path.endswith("/messages") and route.method == "POST":
        return text_send(unique_phone())
    if route.path.endswith("presigned-upload"):
        return {"contentType": "image/png"}
    return None


@pytest_asyncio.fixture
async def a_values(client: httpx.AsyncClient, bird: Bird) -> dict[str, str]:
    sent = await client.post(
        bird.ch("sms", "/messages"),
        json=text_send(unique_phone(), SECRET, reference=SECRET),
        headers=bird.headers,
    )
    presigned = await client.post(
        bird.ch("sms", "/presigned-upload"),
        json={"contentType": "text/plain"},
        headers=bird.headers,
    )
    media_id = urlsplit(presigned.json()["mediaUrl"]).path.split("/")[-2]
    return {
        "workspaceId": bird.id,
        "channelId": bird.channels["sms"],
        "messageId": sent.json()["id"],
        "mediaId": media_id,
    }


async def call(
    client: httpx.AsyncClient, route: Route, values: dict[str, str], headers: dict[str, str]
) -> httpx.Response:
    body = body_for(route)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    return await client.request(route.method, route.url(values), headers=headers, **kwargs)


async def test_every_route_is_covered(app: FastAPI) -> None:
    routes = {f"{r.method} {r.path[len(PREFIX) :]}" for r in bird_routes(app)}
    assert routes == {
        "POST /workspaces/{workspaceId}/channels/{channelId}/messages",
        "GET /workspaces/{workspaceId}/channels/{channelId}/messages",
        "GET /workspaces/{workspaceId}/channels/{channelId}/messages/{messageId}",
        "GET /workspaces/{workspaceId}/channels/{channelId}/messages/{messageId}/interactions",
        "POST /workspaces/{workspaceId}/channels/{channelId}/batch/messages",
        "POST /workspaces/{workspaceId}/channels/{channelId}/presigned-upload",
        "POST /workspaces/{workspaceId}/presigned-upload",
        "POST /workspaces/{workspaceId}/channel-media/presigned-upload",
        "GET /workspaces/{workspaceId}/channels/{channelId}/media/{mediaId}",
        "GET /workspaces/{workspaceId}/messages/{messageId}/media/{mediaId}",
        "GET /workspaces/{workspaceId}/messages",
    }


async def test_no_key_or_a_bad_key_is_401(
    client: httpx.AsyncClient, app: FastAPI, a_values: dict[str, str]
) -> None:
    for route in bird_routes(app):
        for headers in ({}, {"Authorization": "AccessKey nope"}, {"Authorization": "Basic x"}):
            response = await call(client, route, a_values, headers)
            assert_bird_error(response, 401, "Unauthorized")


async def test_another_workspaces_key_is_refused_on_every_route(
    client: httpx.AsyncClient, app: FastAPI, a_values: dict[str, str], other_bird: Bird
) -> None:
    for route in bird_routes(app):
        response = await call(client, route, a_values, other_bird.headers)
        assert_bird_error(response, 403, "Forbidden")
        assert SECRET not in response.text


async def test_b_on_its_own_path_cannot_reach_a(
    client: httpx.AsyncClient,
    app: FastAPI,
    bird: Bird,
    a_values: dict[str, str],
    other_bird: Bird,
) -> None:
    values = {**a_values, "workspaceId": other_bird.id}
    for route in bird_routes(app):
        response = await call(client, route, values, other_bird.headers)
        assert SECRET not in response.text, route
        if route.params - {"workspaceId"}:
            assert_bird_error(response, 404, "NotFound")
        else:
            assert 200 <= response.status_code < 300, (route, response.text)
    # A's data is untouched and still A's alone.
    listed = await client.get(bird.ws("/messages"), headers=bird.headers)
    assert [m["id"] for m in listed.json()["results"]] == [a_values["messageId"]]
    b_listed = await client.get(other_bird.ws("/messages"), headers=other_bird.headers)
    assert a_values["messageId"] not in b_listed.text


async def test_a_read_only_key_cannot_write(
    client: httpx.AsyncClient, app: FastAPI, bird: Bird, a_values: dict[str, str]
) -> None:
    issued = await client.post(
        f"/v1/workspaces/{bird.id}/keys", json={"scopes": ["read"]}, headers=bird.native
    )
    headers = {"Authorization": f"AccessKey {issued.json()['token']}"}
    for route in bird_routes(app):
        response = await call(client, route, a_values, headers)
        if route.method == "POST":
            assert_bird_error(response, 403, "Forbidden")
        else:
            assert response.status_code in (200, 404), (route, response.text)


async def test_unknown_routes_and_methods_answer_in_bird_shape(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    assert_bird_error(await client.get(f"{PREFIX}/nowhere", headers=bird.headers), 404, "NotFound")
    response = await client.delete(bird.ch("sms", "/messages"), headers=bird.headers)
    assert_bird_error(response, 405, "MethodNotAllowed")
