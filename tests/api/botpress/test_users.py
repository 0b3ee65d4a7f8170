"""Botpress users (core contacts) over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hubbub.kit.clock import ManualClock
from tests.api.botpress.conftest import Bot

MILLISECOND = timedelta(milliseconds=1)


async def test_create_answers_201_and_omits_unset_fields(bot: Bot) -> None:
    response = await bot.call("POST", "/users", json={"tags": {"a": "1"}})
    assert response.status_code == 201
    user = response.json()["user"]
    assert set(user) == {"id", "createdAt", "updatedAt", "tags"}
    full = await bot.user(
        name="Alice",
        pictureUrl="https://example.com/a.png",
        properties={"p": "1"},
        attributes={"lang": "en"},
        integrationName="telegram",
    )
    assert full["name"] == "Alice"
    assert full["pictureUrl"] == "https://example.com/a.png"
    assert full["properties"] == {"p": "1"}
    assert full["attributes"] == {"lang": "en"}
    assert await bot.ok("GET", f"/users/{full['id']}") == {"user": full}


async def test_update_patches_and_clears(bot: Bot) -> None:
    user = await bot.user(
        tags={"a": "1", "b": "2"}, name="Alice", pictureUrl="https://p", properties={"x": "1"}
    )
    body = {"tags": {"a": ""}, "name": None, "properties": {"y": "2"}, "attributes": {"z": "3"}}
    updated = (await bot.ok("PUT", f"/users/{user['id']}", json=body))["user"]
    assert updated["tags"] == {"b": "2"}
    assert "name" not in updated
    assert updated["pictureUrl"] == "https://p"
    assert updated["properties"] == {"x": "1", "y": "2"}
    assert updated["attributes"] == {"z": "3"}
    cleared = (await bot.ok("PUT", f"/users/{user['id']}", json={"pictureUrl": None}))["user"]
    assert "pictureUrl" not in cleared
    renamed = (await bot.ok("PUT", f"/users/{user['id']}", json={"name": "Bob"}))["user"]
    assert renamed["name"] == "Bob"
    assert renamed["tags"] == {"b": "2"}


async def test_get_or_create_by_tags(bot: Bot) -> None:
    key = (await bot.user())["id"]
    first = await bot.ok("POST", "/users/get-or-create", json={"tags": {"id": key}, "name": "A"})
    assert first["meta"] == {"created": True}
    assert first["user"]["name"] == "A"
    same = await bot.ok("POST", "/users/get-or-create", json={"tags": {"id": key}, "name": "B"})
    assert same["meta"] == {"created": False}
    assert same["user"]["id"] == first["user"]["id"]
    wider = {"tags": {"id": key, "lang": "fr"}, "discriminateByTags": ["id"]}
    found = await bot.ok("POST", "/users/get-or-create", json=wider)
    assert found["meta"]["created"] is False
    assert found["user"]["tags"] == {"id": key, "lang": "fr"}
    strict = await bot.ok("POST", "/users/get-or-create", json={"tags": {"id": key, "lang": "de"}})
    assert strict["meta"]["created"] is True
    untagged = await bot.ok("POST", "/users/get-or-create", json={"tags": {}})
    assert untagged["meta"]["created"] is True


async def test_delete(bot: Bot) -> None:
    user = await bot.user()
    assert await bot.ok("DELETE", f"/users/{user['id']}", json={}) == {}
    assert (await bot.call("GET", f"/users/{user['id']}")).status_code == 404
    assert (await bot.call("DELETE", f"/users/{user['id']}")).status_code == 404


async def test_list_filters_and_pages(bot: Bot, clock: ManualClock) -> None:
    run = (await bot.user())["id"]
    users = []
    for i in range(5):
        # createdAt is given to the millisecond: the date filters below tell users apart by
        # it, so each is made in a millisecond of its own.
        clock.advance(MILLISECOND)
        users.append(await bot.user(tags={"run": run, "n": str(i % 2)}))
    conversation = await bot.conversation()
    path = f"/conversations/{conversation['id']}/participants"
    await bot.ok("POST", path, json={"userId": users[3]["id"]})

    async def listed(**params: Any) -> list[str]:
        seen: list[str] = []
        token = None
        while True:
            query = {"tags.run": run, "pageSize": "2", **params}
            if token:
                query["nextToken"] = token
            page = await bot.ok("GET", "/users", params=query)
            seen.extend(user["id"] for user in page["users"])
            token = page["meta"].get("nextToken")
            if not token:
                return seen

    all_ids = [user["id"] for user in users]
    assert await listed() == all_ids[::-1]
    assert await listed(sortDirection="asc") == all_ids
    assert await listed(**{"tags.n": "1"}) == [all_ids[3], all_ids[1]]
    assert await listed(conversationId=conversation["id"]) == [all_ids[3]]
    assert await listed(afterDate=users[3]["createdAt"]) == [all_ids[4], all_ids[3]]
    assert await listed(beforeDate=users[1]["createdAt"]) == [all_ids[1], all_ids[0]]
    clock.advance(MILLISECOND)  # the update comes after every creation
    await bot.ok("PUT", f"/users/{all_ids[0]}", json={"name": "touched"})
    by_update = await listed(sortField="updatedAt")
    assert by_update[0] == all_ids[0]
    assert sorted(by_update) == sorted(all_ids)
    ranged = await listed(rangeField="updatedAt", afterDate=users[4]["updatedAt"])
    assert ranged == [all_ids[4], all_ids[0]]
