"""User chats: create for a user, list by state and by user, get, describe, close / open /
snooze, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hubbub.kit.clock import to_millis
from tests.api.channelio.conftest import Api, error_of


async def new_chat(api: Api, member_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    user = await api.upsert_user(member_id, profile={"name": member_id})
    return user, await api.create_chat(user["id"])


async def test_create_and_get(api: Api) -> None:
    user, chat = await new_chat(api, "chat-1")
    assert chat["userId"] == user["id"]
    assert chat["state"] == "opened"
    assert chat["channelId"] == api.workspace.id
    assert isinstance(chat["createdAt"], int)
    assert isinstance(chat["openedAt"], int)
    got = await api.request("GET", f"/user-chats/{chat['id']}")
    assert got.status_code == 200
    body = got.json()
    assert body["userChat"] == chat
    assert body["user"]["id"] == user["id"]
    assert body["chatTags"] == []


async def test_create_by_member_id(api: Api) -> None:
    user = await api.upsert_user("chat-member")
    chat = await api.create_chat("@chat-member")
    assert chat["userId"] == user["id"]


async def test_create_for_unknown_user_is_a_404(api: Api) -> None:
    response = await api.request("POST", "/users/missing/user-chats")
    assert error_of(response, 404, "notFound") == [{"message": "User not found"}]


async def test_update_description(api: Api) -> None:
    _, chat = await new_chat(api, "chat-desc")
    path = f"/user-chats/{chat['id']}"
    updated = await api.request("PATCH", path, json={"description": "refund request"})
    assert updated.status_code == 200
    assert updated.json()["userChat"]["description"] == "refund request"
    got = await api.request("GET", path)
    assert got.json()["userChat"]["description"] == "refund request"
    cleared = await api.request("PATCH", path, json={"description": None})
    assert "description" not in cleared.json()["userChat"]
    refused = await api.request("PATCH", path, json={"title": "x"})
    assert error_of(refused, 422, "unprocessableEntity")[0]["field"] == "title"


async def test_close_open_snooze(api: Api) -> None:
    _, chat = await new_chat(api, "chat-state")
    path = f"/user-chats/{chat['id']}"
    closed = await api.request("PATCH", f"{path}/close", params={"botName": "Support"})
    assert closed.status_code == 200
    assert closed.json()["userChat"]["state"] == "closed"
    assert isinstance(closed.json()["userChat"]["closedAt"], int)
    snoozed = await api.request(
        "PUT", f"{path}/snooze", params={"botName": "Support", "duration": "PT23H50M"}
    )
    view = snoozed.json()["userChat"]
    assert view["state"] == "snoozed"
    assert view["expiresAt"] - view["snoozedAt"] == (23 * 60 + 50) * 60 * 1000
    opened = await api.request("PUT", f"{path}/open", params={"botName": "Support"})
    assert opened.json()["userChat"]["state"] == "opened"
    assert "expiresAt" not in opened.json()["userChat"]


@pytest.mark.parametrize(
    ("method", "action", "params", "field"),
    [
        ("PATCH", "close", {}, "botName"),
        ("PUT", "open", {"botName": ""}, "botName"),
        ("PUT", "snooze", {"botName": "b"}, "duration"),
        ("PUT", "snooze", {"botName": "b", "duration": "soon"}, "duration"),
        ("PUT", "snooze", {"botName": "b", "duration": "-PT1H"}, "duration"),
    ],
)
async def test_state_change_validation(
    api: Api, method: str, action: str, params: dict[str, str], field: str
) -> None:
    _, chat = await new_chat(api, f"chat-v-{action}-{len(params)}")
    response = await api.request(method, f"/user-chats/{chat['id']}/{action}", params=params)
    assert error_of(response, 422, "unprocessableEntity")[0]["field"] == field


async def test_delete(api: Api) -> None:
    _, chat = await new_chat(api, "chat-del")
    await api.send_text(chat["id"], "bye")
    deleted = await api.request("DELETE", f"/user-chats/{chat['id']}")
    assert deleted.status_code == 200
    assert deleted.content == b""
    error_of(await api.request("GET", f"/user-chats/{chat['id']}"), 404, "notFound")
    again = await api.request("DELETE", f"/user-chats/{chat['id']}")
    assert error_of(again, 404, "notFound") == [{"message": "UserChat not found"}]


async def list_all(api: Api, path: str, **params: Any) -> list[str]:
    """Every chat id, following ``next`` to the end."""
    ids: list[str] = []
    since = None
    while True:
        query = {**params, **({"since": since} if since else {})}
        response = await api.request("GET", path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        ids.extend(chat["id"] for chat in body["userChats"])
        since = body["next"]
        if since is None:
            return ids


async def test_list_by_state(api: Api) -> None:
    _, opened = await new_chat(api, "list-open")
    _, closed = await new_chat(api, "list-closed")
    _, snoozed = await new_chat(api, "list-snoozed")
    await api.request("PATCH", f"/user-chats/{closed['id']}/close", params={"botName": "b"})
    await api.request(
        "PUT", f"/user-chats/{snoozed['id']}/snooze", params={"botName": "b", "duration": "PT1H"}
    )
    assert await list_all(api, "/user-chats", limit=2) == [opened["id"]]  # default: opened
    assert await list_all(api, "/user-chats", state="opened") == [opened["id"]]
    assert await list_all(api, "/user-chats", state="closed") == [closed["id"]]
    assert await list_all(api, "/user-chats", state="snoozed") == [snoozed["id"]]
    for state in ("queued", "initial", "missed"):
        assert await list_all(api, "/user-chats", state=state) == []
    body = (await api.request("GET", "/user-chats", params={"state": "closed"})).json()
    assert [user["memberId"] for user in body["users"]] == ["list-closed"]
    assert set(body) >= {"userChats", "users", "messages", "managers", "chatTags", "prev", "next"}


async def test_list_of_a_user_pages_in_both_orders(api: Api) -> None:
    user = await api.upsert_user("list-many")
    created = [(await api.create_chat(user["id"]))["id"] for _ in range(7)]
    await new_chat(api, "list-someone-else")
    path = f"/users/{user['id']}/user-chats"
    assert await list_all(api, path, sortOrder="asc", limit=3) == created
    assert await list_all(api, path, sortOrder="desc", limit=2) == created[::-1]
    missing = await api.request("GET", path)
    assert error_of(missing, 422, "unprocessableEntity")[0]["field"] == "sortOrder"


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"state": "open"}, 422, "state"),
        ({"limit": "0"}, 422, "limit"),
        ({"limit": "501"}, 422, "limit"),
        ({"sortOrder": "up"}, 422, "sortOrder"),
        ({"sortOrder": "both"}, 422, "sortOrder"),
        ({"since": "garbage"}, 400, "since"),
    ],
)
async def test_list_validation(api: Api, params: dict[str, str], status: int, field: str) -> None:
    response = await api.request("GET", "/user-chats", params=params)
    kind = "badRequest" if status == 400 else "unprocessableEntity"
    assert error_of(response, status, kind)[0]["field"] == field


async def test_states_and_the_assignee_are_the_cores(api: Api) -> None:
    """Close, open and snooze are the core's commands; the snooze end is the core's, and a
    manager is an agent (assigneeId, managerIds, the list's managers)."""
    _, chat = await new_chat(api, "chat-core")
    path = f"/user-chats/{chat['id']}"
    manager = await api.create_manager("Mia")
    assigned = await api.request(
        "PATCH", f"{path}/assign-to/managers/{manager['id']}", params={"botName": "b"}
    )
    view = assigned.json()["userChat"]
    assert (view["assigneeId"], view["managerIds"]) == (manager["id"], [manager["id"]])
    await api.request("PUT", f"{path}/snooze", params={"botName": "b", "duration": "PT2H"})
    core = await api.client.get(f"/v1/conversations/{chat['id']}", headers=api.workspace.headers)
    assert (core.json()["status"], core.json()["assignee_id"]) == ("snoozed", manager["id"])
    snoozed_until = datetime.fromisoformat(core.json()["snoozed_until"])
    listed = await api.request("GET", "/user-chats", params={"state": "snoozed"})
    [row] = listed.json()["userChats"]
    assert row["expiresAt"] == to_millis(snoozed_until)
    assert listed.json()["managers"] == [
        {
            "id": manager["id"],
            "channelId": api.workspace.id,
            "name": "Mia",
            "email": "mia@example.com",
            "createdAt": row_time(manager["created_at"]),
            "updatedAt": row_time(manager["updated_at"]),
        }
    ]
    shown = await api.request("GET", f"/managers/{manager['id']}")
    assert shown.json()["manager"]["id"] == manager["id"]
    managers = await api.request("GET", "/managers")
    assert [m["id"] for m in managers.json()["managers"]] == [manager["id"]]
    missing = await api.request(
        "PATCH", f"{path}/assign-to/managers/{chat['id']}", params={"botName": "b"}
    )
    assert error_of(missing, 404, "notFound") == [{"message": "Manager not found"}]
    huge = await api.request("PUT", f"{path}/snooze", params={"botName": "b", "duration": "P999D"})
    assert error_of(huge, 422, "unprocessableEntity")[0]["field"] == "duration"


def row_time(value: str) -> int:
    return to_millis(datetime.fromisoformat(value))
