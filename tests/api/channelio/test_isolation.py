"""Nothing crosses workspaces on any Channel.io route. Workspace A gets a user, a chat and a
message; every route of the dialect (read from the app, so a new route cannot be forgotten) is
called with B's keys and A's ids: it answers 404 or works on B's own data only, no answer
carries A's data, and A's data is unchanged afterwards."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.api.channelio.conftest import BASE, Api

SECRET = "A-secret"
_PARAM = re.compile(r"\{(\w+)\}")

# Per route, what B sends besides A's ids in the path. ``own``: it may succeed, on B's data.
ATTACKS: dict[str, dict[str, Any]] = {
    "PUT /users/@{member_id}": {"json": {"profile": {"name": "hijack"}}, "own": True},
    "GET /users/{user_id}": {},
    "DELETE /users/{user_id}": {},
    "GET /user-chats": {"params": {"state": "opened"}, "own": True},
    "GET /users/{user_id}/user-chats": {"params": {"sortOrder": "asc"}},
    "POST /users/{user_id}/user-chats": {},
    "GET /user-chats/{user_chat_id}": {},
    "PATCH /user-chats/{user_chat_id}": {"json": {"description": "hijack"}},
    "PATCH /user-chats/{user_chat_id}/close": {"params": {"botName": "b"}},
    "PUT /user-chats/{user_chat_id}/open": {"params": {"botName": "b"}},
    "PUT /user-chats/{user_chat_id}/snooze": {"params": {"botName": "b", "duration": "PT1H"}},
    "PATCH /user-chats/{user_chat_id}/assign-to/managers/{manager_id}": {
        "params": {"botName": "b"}
    },
    "GET /managers": {"own": True},
    "GET /managers/{manager_id}": {},
    "DELETE /user-chats/{user_chat_id}": {},
    "GET /user-chats/{user_chat_id}/messages": {"params": {"sortOrder": "asc"}},
    "POST /user-chats/{user_chat_id}/messages": {"json": {"plainText": "hijack"}},
}


def dialect_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith(BASE + "/"):
            for method in sorted(route.methods or ()):
                found.append((method, route.path.removeprefix(BASE)))
    return found


async def snapshot(api: Api, user_id: str, chat_id: str) -> list[Any]:
    user = await api.request("GET", f"/users/{user_id}")
    chat = await api.request("GET", f"/user-chats/{chat_id}")
    messages = await api.request(
        "GET", f"/user-chats/{chat_id}/messages", params={"sortOrder": "asc"}
    )
    return [user.json(), chat.json(), messages.json()]


async def test_every_route_is_attacked(app: FastAPI) -> None:
    routes = {f"{method} {path}" for method, path in dialect_routes(app)}
    assert routes == set(ATTACKS), "decide how a new Channel.io route is attacked"


async def test_no_route_crosses_workspaces(app: FastAPI, api: Api, other_api: Api) -> None:
    user = await api.upsert_user(SECRET, profile={"name": SECRET, "note": SECRET})
    chat = await api.create_chat(user["id"])
    await api.request("PATCH", f"/user-chats/{chat['id']}", json={"description": SECRET})
    await api.send(chat["id"], {"plainText": SECRET, "requestId": SECRET})
    manager = await api.create_manager(SECRET, "secret@example.com")
    assigned = await api.request(
        "PATCH",
        f"/user-chats/{chat['id']}/assign-to/managers/{manager['id']}",
        params={"botName": "b"},
    )
    assert assigned.status_code == 200, assigned.text
    before = await snapshot(api, user["id"], chat["id"])
    ids = {
        "member_id": SECRET,
        "user_id": user["id"],
        "user_chat_id": chat["id"],
        "manager_id": manager["id"],
    }
    # B's upsert of the same member id makes B's own user: it runs last, so that B's lookups
    # by member id before it find nothing.
    routes = sorted(dialect_routes(app), key=lambda route: route[0] == "PUT" and "@" in route[1])
    for method, path in routes:
        attack = ATTACKS[f"{method} {path}"]
        urls = [_PARAM.sub(lambda match: ids[match[1]], path)]
        if "{user_id}" in path:
            urls.append(path.replace("{user_id}", f"@{SECRET}"))
        for url in urls:
            response = await other_api.request(
                method, url, json=attack.get("json"), params=attack.get("params")
            )
            where = f"{method} {url}: {response.status_code} {response.text}"
            if attack.get("own"):
                assert response.status_code == 200, where
                assert user["id"] not in response.text, where
                assert manager["id"] not in response.text, where
                assert '"note"' not in response.text, where
            else:
                assert response.status_code == 404, where
                assert SECRET not in response.text, where
    assert await snapshot(api, user["id"], chat["id"]) == before
