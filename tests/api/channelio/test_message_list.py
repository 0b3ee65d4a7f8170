"""Listing a chat's messages: ``sortOrder`` (required), ``since``, ``limit``, ``prev`` /
``next``, related ``bots`` and ``users``, and ``state`` from the core status machine."""

from __future__ import annotations

from typing import Any

import pytest

from hubbub.db.uow import Database
from hubbub.messages.payloads import TextPayload
from hubbub.messages.schemas import Author, MessageCreate, StatusUpdate
from hubbub.messages.service import message as message_service
from tests.api.channelio.conftest import Api, error_of


async def chat_with(api: Api, count: int, member_id: str = "list-user") -> tuple[str, list[str]]:
    user = await api.upsert_user(member_id)
    chat = await api.create_chat(user["id"])
    ids = [(await api.send_text(chat["id"], f"m{i}"))["id"] for i in range(count)]
    return chat["id"], ids


async def page(api: Api, chat_id: str, **params: Any) -> dict[str, Any]:
    response = await api.request("GET", f"/user-chats/{chat_id}/messages", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"prev", "next", "messages", "bots", "users"}
    return body


async def walk(api: Api, chat_id: str, order: str, limit: int) -> list[str]:
    seen: list[str] = []
    since = None
    while True:
        params = {"sortOrder": order, "limit": limit, **({"since": since} if since else {})}
        body = await page(api, chat_id, **params)
        assert len(body["messages"]) <= limit
        seen.extend(m["id"] for m in body["messages"])
        since = body["next"]
        if since is None:
            return seen


async def test_pages_to_the_end_in_both_orders(api: Api) -> None:
    chat_id, ids = await chat_with(api, 11)
    for limit in (1, 3, 11, 500):
        assert await walk(api, chat_id, "asc", limit) == ids
        assert await walk(api, chat_id, "desc", limit) == ids[::-1]


async def test_default_limit_is_25(api: Api) -> None:
    chat_id, ids = await chat_with(api, 27)
    body = await page(api, chat_id, sortOrder="desc")
    assert [m["id"] for m in body["messages"]] == ids[::-1][:25]
    assert body["next"] is not None
    assert body["prev"] is None  # the first page has nothing before it


async def test_an_exact_last_page_has_no_next(api: Api) -> None:
    chat_id, _ = await chat_with(api, 4)
    first = await page(api, chat_id, sortOrder="asc", limit=2)
    second = await page(api, chat_id, sortOrder="asc", limit=2, since=first["next"])
    assert len(second["messages"]) == 2
    assert second["next"] is None


async def test_prev_walks_back(api: Api) -> None:
    chat_id, ids = await chat_with(api, 7)
    first = await page(api, chat_id, sortOrder="asc", limit=3)
    second = await page(api, chat_id, sortOrder="asc", limit=3, since=first["next"])
    assert [m["id"] for m in second["messages"]] == ids[3:6]
    assert second["prev"] is not None
    back = await page(api, chat_id, sortOrder="asc", limit=3, since=second["prev"])
    # The page before, nearest first.
    assert [m["id"] for m in back["messages"]] == ids[0:3][::-1]
    assert back["next"] is None


async def test_paging_while_messages_are_inserted(api: Api) -> None:
    for order in ("asc", "desc"):
        chat_id, ids = await chat_with(api, 9, member_id=f"insert-{order}")
        seen: list[str] = []
        added: list[str] = []
        since = None
        while True:
            params = {"sortOrder": order, "limit": 2, **({"since": since} if since else {})}
            body = await page(api, chat_id, **params)
            seen.extend(m["id"] for m in body["messages"])
            added.append((await api.send_text(chat_id, "late"))["id"])
            since = body["next"]
            if since is None:
                break
        assert len(seen) == len(set(seen)), "a message was repeated"
        assert set(ids) <= set(seen), "a message was lost"
        if order == "asc":
            # Newer messages lie ahead of an ascending walk: it sees them all.
            assert seen == ids + added[: len(seen) - len(ids)]
        else:
            assert seen == ids[::-1]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({}, 422, "sortOrder"),
        ({"sortOrder": "sideways"}, 422, "sortOrder"),
        ({"sortOrder": "both"}, 422, "sortOrder"),
        ({"sortOrder": "asc", "limit": "0"}, 422, "limit"),
        ({"sortOrder": "asc", "limit": "501"}, 422, "limit"),
        ({"sortOrder": "asc", "limit": "ten"}, 422, "limit"),
        ({"sortOrder": "asc", "since": "eyJjaGF0S2V5IjoiZ3Jvn0="}, 400, "since"),
        ({"sortOrder": "asc", "since": "a" * 2000}, 422, "since"),
    ],
)
async def test_list_validation(api: Api, params: dict[str, str], status: int, field: str) -> None:
    chat_id, _ = await chat_with(api, 1)
    response = await api.request("GET", f"/user-chats/{chat_id}/messages", params=params)
    kind = "badRequest" if status == 400 else "unprocessableEntity"
    assert error_of(response, status, kind)[0]["field"] == field


async def test_a_tampered_since_is_a_400(api: Api) -> None:
    chat_id, _ = await chat_with(api, 3)
    body = await page(api, chat_id, sortOrder="asc", limit=1)
    token = body["next"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = await api.request(
        "GET", f"/user-chats/{chat_id}/messages", params={"sortOrder": "asc", "since": tampered}
    )
    assert error_of(response, 400, "badRequest")[0]["field"] == "since"


async def test_unknown_chat_is_a_404(api: Api) -> None:
    response = await api.request("GET", "/user-chats/nope/messages", params={"sortOrder": "asc"})
    error_of(response, 404, "notFound")


async def test_related_bots_and_users(api: Api, database: Database) -> None:
    user = await api.upsert_user("related", profile={"name": "Rel"})
    chat = await api.create_chat(user["id"])
    await api.send(chat["id"], {"plainText": "a"}, botName="Alpha")
    await api.send(chat["id"], {"plainText": "b"}, botName="Beta")
    await api.send(chat["id"], {"plainText": "c"}, botName="Alpha")
    manager = await api.create_manager("Mia")
    async with database.transaction() as session:
        await message_service.create(
            session,
            api.workspace.id,
            MessageCreate(
                conversation_id=chat["id"],
                direction="incoming",
                payload=TextPayload(text="from the user"),
            ),
        )
        await message_service.create(
            session,
            api.workspace.id,
            MessageCreate(
                conversation_id=chat["id"],
                author=Author(type="agent", id=manager["id"]),
                payload=TextPayload(text="a manager"),
            ),
        )
    body = await page(api, chat["id"], sortOrder="asc")
    people = [(m["personType"], m["personId"]) for m in body["messages"]]
    assert people == [
        ("bot", "Alpha"),
        ("bot", "Beta"),
        ("bot", "Alpha"),
        ("user", user["id"]),
        ("manager", manager["id"]),
    ]
    assert [bot["name"] for bot in body["bots"]] == ["Alpha", "Beta"]
    assert [u["id"] for u in body["users"]] == [user["id"]]
    assert body["messages"][3]["plainText"] == "from the user"
    only_bots = await page(api, chat["id"], sortOrder="asc", limit=1)
    assert only_bots["users"] == []


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ([], "sending"),
        (["sending"], "sending"),
        (["sent"], "sent"),
        (["sent", "delivered", "read"], "sent"),
        (["failed"], "failed"),
        (["canceled"], "failed"),
        (["deleted"], "removed"),
    ],
)
async def test_state_follows_the_core_status(
    api: Api, database: Database, statuses: list[str], state: str
) -> None:
    chat_id, [message_id] = await chat_with(api, 1)
    async with database.transaction() as session:
        for status in statuses:
            await message_service.update_status(
                session,
                api.workspace.id,
                message_id,
                StatusUpdate.model_validate({"status": status}),
            )
    [listed] = (await page(api, chat_id, sortOrder="asc"))["messages"]
    assert listed["state"] == state
