"""Who may call the Recrubo dialect, and that nothing crosses workspaces on any of its routes
(read from the app, so a new route cannot be forgotten)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.api.recrubo.conftest import BASE, JSON_API, Recrubo, only_error, text

SECRET = "A-secret"


class TestAuth:
    @pytest.mark.parametrize(
        "headers",
        [{}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer not-a-key"}],
    )
    async def test_unauthenticated(
        self, client: httpx.AsyncClient, headers: dict[str, str]
    ) -> None:
        for method, path in [
            ("GET", "/messages"),
            ("POST", "/message-threads"),
            ("DELETE", "/message-templates/x"),
        ]:
            response = await client.request(
                method, BASE + path, headers={"Content-Type": JSON_API, **headers}
            )
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"
            assert only_error(response)["code"] == "unauthorized"

    async def test_read_key_cannot_write(self, recrubo: Recrubo) -> None:
        issued = await recrubo.client.post(
            f"/v1/workspaces/{recrubo.workspace.id}/keys",
            json={"scopes": ["read"]},
            headers=recrubo.workspace.headers,
        )
        headers = {"Authorization": f"Bearer {issued.json()['token']}", "Content-Type": JSON_API}
        read = await recrubo.client.get(BASE + "/messages", headers=headers)
        assert read.status_code == 200
        write = await recrubo.client.post(BASE + "/message-threads", content=b"{}", headers=headers)
        assert write.status_code == 403
        assert only_error(write)["code"] == "forbidden"

    async def test_unknown_route_is_a_json_api_404(self, recrubo: Recrubo) -> None:
        response = await recrubo.get("/candidates")
        assert response.status_code == 404
        assert only_error(response)["code"] == "not_found"


@dataclass(frozen=True)
class WorkspaceA:
    thread_id: str
    message_id: str
    template_id: str


@pytest_asyncio.fixture
async def workspace_a(recrubo: Recrubo) -> WorkspaceA:
    thread_id = await recrubo.thread("sms", "+31655555555")
    message = await recrubo.sent(thread_id, text(f"{SECRET} text"), sendBy=f"{SECRET} sender")
    await recrubo.sent(
        thread_id,
        {
            "type": "document",
            "document": {
                "data": base64.b64encode(b"%PDF").decode(),
                "mime_type": "application/pdf",
                "filename": f"{SECRET}.pdf",
            },
        },
    )
    template = await recrubo.post(
        "/message-templates",
        {
            "data": {
                "type": "messageTemplates",
                "attributes": {
                    "name": f"{SECRET} template",
                    "language": "en",
                    "components": [{"type": "BODY", "text": f"{SECRET} {{{{1}}}}"}],
                },
            }
        },
    )
    return WorkspaceA(thread_id, message["id"], template.json()["data"]["id"])


def attacks(a: WorkspaceA) -> dict[str, list[tuple[int, Any, dict[str, str]]]]:
    """Per route, what B sends: (expected status, body, query)."""
    message = {
        "type": "messages",
        "attributes": {"sendBy": "B", "messageThreadId": a.thread_id, "payload": text("hijack")},
    }
    by_relationship = {
        "type": "messages",
        "attributes": {"sendBy": "B", "payload": text("hijack")},
        "relationships": {"messageThread": {"data": {"type": "messageThreads", "id": a.thread_id}}},
    }
    template_message = {
        "type": "messages",
        "attributes": {
            "sendBy": "B",
            "messageThreadId": "{b_thread}",
            "payload": {"type": "template", "template": {"id": a.template_id}},
        },
    }
    return {
        "POST /messages": [
            (422, {"data": message}, {}),
            (422, {"data": by_relationship}, {}),
            (422, {"data": template_message}, {}),
        ],
        "GET /messages": [
            (200, None, {}),
            (200, None, {"filter[messageThreadId]": a.thread_id}),
            (200, None, {"filter[sendBy]": f"{SECRET} sender"}),
            (200, None, {"filter[channel]": "sms", "page[number]": "1"}),
        ],
        "GET /messages/{message_id}": [(404, None, {})],
        "PATCH /messages/{message_id}": [
            (404, {"data": {"type": "messages", "attributes": {"sendBy": "B"}}}, {})
        ],
        "DELETE /messages/{message_id}": [(404, None, {})],
        "POST /message-threads": [
            (
                201,
                {
                    "data": {
                        "type": "messageThreads",
                        "attributes": {"channel": "sms", "identifier": "+31655555555"},
                    }
                },
                {},
            )
        ],
        "GET /message-threads": [
            (200, None, {"include": "messages"}),
            (200, None, {"filter[identifier]": "+31655555555", "include": "messages"}),
        ],
        "GET /message-threads/{thread_id}": [(404, None, {"include": "messages"})],
        "PATCH /message-threads/{thread_id}": [
            (404, {"data": {"type": "messageThreads", "attributes": {"chatbotPaused": True}}}, {})
        ],
        "DELETE /message-threads/{thread_id}": [(404, None, {})],
        "POST /message-templates": [
            (
                201,
                {
                    "data": {
                        "type": "messageTemplates",
                        "attributes": {
                            "name": "b",
                            "language": "en",
                            "components": [{"type": "BODY", "text": "b"}],
                        },
                    }
                },
                {},
            )
        ],
        "GET /message-templates": [
            (200, None, {}),
            (200, None, {"filter[name]": f"{SECRET} template"}),
        ],
        "GET /message-templates/{template_id}": [(404, None, {})],
        "PATCH /message-templates/{template_id}": [
            (405, {"data": {"type": "messageTemplates"}}, {})
        ],
        "DELETE /message-templates/{template_id}": [(404, None, {})],
    }


def recrubo_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method, route.path.removeprefix(BASE))
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith(BASE)
        for method in sorted(route.methods or ())
    ]


async def snapshot(recrubo: Recrubo, a: WorkspaceA) -> list[Any]:
    paths = [
        "/messages",
        f"/messages/{a.message_id}",
        "/message-threads?include=messages",
        f"/message-threads/{a.thread_id}",
        "/message-templates",
        f"/message-templates/{a.template_id}",
    ]
    return [
        (await recrubo.client.get(BASE + path, headers=recrubo.headers)).json() for path in paths
    ]


async def test_nothing_crosses_workspaces(
    app: FastAPI, recrubo: Recrubo, intruder: Recrubo, workspace_a: WorkspaceA
) -> None:
    a = workspace_a
    plan = attacks(a)
    routes = recrubo_routes(app)
    assert sorted(f"{m} {p}" for m, p in routes) == sorted(plan), "plan an attack for every route"
    before = await snapshot(recrubo, a)
    b_thread = await intruder.thread("sms", "+31611112222")
    values = {
        "{message_id}": a.message_id,
        "{thread_id}": a.thread_id,
        "{template_id}": a.template_id,
    }
    failures = []
    for method, path in routes:
        url = path
        for name, value in values.items():
            url = url.replace(name, value)
        for status, body, params in plan[f"{method} {path}"]:
            sent = None if body is None else _filled(body, b_thread)
            response = await intruder.request(method, url, sent, **params)
            if response.status_code != status:
                failures.append(f"{method} {path}: {response.status_code} {response.text:.200}")
            # B may see the ids it sent echoed in an error; nothing else of A's.
            echoed = repr((url, sent, params))
            leaked = [i for i in (a.message_id, a.template_id, a.thread_id) if i not in echoed]
            # A filter B sent comes back in the page links; then A's rows are checked by id.
            secret_shown = SECRET.lower() in response.text.lower()
            if (secret_shown and SECRET not in echoed) or any(i in response.text for i in leaked):
                failures.append(f"{method} {path} {params}: leaks A's data")
    assert failures == []
    assert await snapshot(recrubo, a) == before


def _filled(body: Any, b_thread: str) -> Any:
    if isinstance(body, str):
        return body.replace("{b_thread}", b_thread)
    if isinstance(body, list):
        return [_filled(item, b_thread) for item in body]
    if isinstance(body, dict):
        return {key: _filled(value, b_thread) for key, value in body.items()}
    return body
