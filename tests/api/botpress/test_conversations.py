"""Botpress conversations and participants over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hubbub.channels.service import channel as channel_service
from hubbub.db.uow import Database
from hubbub.kit.clock import ManualClock
from tests.api.botpress.conftest import Bot, botpress_error

CONVERSATION_KEYS = {
    "id",
    "createdAt",
    "updatedAt",
    "channel",
    "integration",
    "tags",
    "messageCount",
}


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


async def test_create_answers_201_with_the_conversation_shape(bot: Bot) -> None:
    body = {"channel": "dm", "tags": {"id": "1", "gone": ""}, "integrationName": "telegram"}
    response = await bot.call("POST", "/conversations", json=body)
    assert response.status_code == 201
    conversation = response.json()["conversation"]
    assert set(conversation) == CONVERSATION_KEYS
    assert conversation["channel"] == "dm"
    assert conversation["integration"] == "telegram"
    assert conversation["tags"] == {"id": "1"}
    assert conversation["messageCount"] == 0
    assert (await bot.ok("GET", f"/conversations/{conversation['id']}")) == {
        "conversation": conversation
    }


async def test_one_core_channel_per_integration(bot: Bot, database: Database) -> None:
    await bot.conversation(integrationName="whatsapp")
    await bot.conversation(integrationName="whatsapp")
    await bot.conversation(integrationName="slack")
    aliased = await bot.ok(
        "POST",
        "/conversations",
        201,
        json={"channel": "c", "tags": {}},
        headers={"x-integration-alias": "messenger"},
    )
    assert aliased["conversation"]["integration"] == "messenger"
    plain = await bot.ok("POST", "/conversations", 201, json={"channel": "c", "tags": {}})
    assert plain["conversation"]["integration"] == "hubbub"
    async with database.read() as session:
        channels = await channel_service.list(session, bot.workspace.id)
    names = sorted(channel.name for channel in channels)
    assert names == [
        "botpress:hubbub",
        "botpress:messenger",
        "botpress:slack",
        "botpress:whatsapp",
    ]
    assert {channel.platform for channel in channels} == {"sandbox"}


async def test_get_or_create_by_tags_with_and_without_discriminators(bot: Bot) -> None:
    body = {"channel": "channel", "tags": {"id": "42", "x": "1"}, "integrationName": "telegram"}
    first = await bot.ok("POST", "/conversations/get-or-create", json=body)
    assert first["meta"] == {"created": True}
    same = await bot.ok("POST", "/conversations/get-or-create", json=body)
    assert (same["meta"], same["conversation"]["id"]) == (
        {"created": False},
        first["conversation"]["id"],
    )
    narrowed = {
        **body,
        "tags": {"id": "42", "x": None, "y": "2"},
        "discriminateByTags": ["id"],
    }
    found = await bot.ok("POST", "/conversations/get-or-create", json=narrowed)
    assert found["meta"]["created"] is False
    assert found["conversation"]["tags"] == {"id": "42", "y": "2"}
    elsewhere = await bot.ok(
        "POST", "/conversations/get-or-create", json={**body, "integrationName": "slack"}
    )
    assert elsewhere["meta"]["created"] is True


async def test_update_patches_tags_and_properties(bot: Bot) -> None:
    conversation = await bot.conversation(tags={"a": "1", "b": "2"}, properties={"p": "1"})
    assert conversation["properties"] == {"p": "1"}
    body = {
        "tags": {"a": None, "c": "3"},
        "properties": {"p": None, "q": "2"},
        "currentTaskId": None,
    }
    updated = (await bot.ok("PUT", f"/conversations/{conversation['id']}", json=body))[
        "conversation"
    ]
    assert updated["tags"] == {"b": "2", "c": "3"}
    assert updated["properties"] == {"q": "2"}
    assert updated["channel"] == conversation["channel"]


async def test_delete_removes_the_conversation_and_its_messages(bot: Bot) -> None:
    user = await bot.user()
    conversation = await bot.conversation()
    message = await bot.message(conversation["id"], user["id"])
    assert await bot.ok("DELETE", f"/conversations/{conversation['id']}", json={}) == {}
    assert (await bot.call("GET", f"/conversations/{conversation['id']}")).status_code == 404
    assert (await bot.call("GET", f"/messages/{message['id']}")).status_code == 404


async def test_list_filters(bot: Bot, clock: ManualClock) -> None:
    run = {"tags.run": (await bot.user())["id"]}
    tags = {"run": run["tags.run"]}
    # createdAt is given to the millisecond, and the date filters below tell these three
    # apart by it: each is made in a millisecond of its own.
    dm = await bot.conversation(channel="dm", tags={**tags, "k": "a"}, integrationName="tg")
    clock.advance(timedelta(milliseconds=1))
    group = await bot.conversation(channel="group", tags={**tags, "k": "b"}, integrationName="tg")
    clock.advance(timedelta(milliseconds=1))
    slack = await bot.conversation(channel="dm", tags=tags, integrationName="slack")
    alice, bob = await bot.user(), await bot.user()
    for user in (alice, bob):
        await bot.ok(
            "POST", f"/conversations/{group['id']}/participants", json={"userId": user["id"]}
        )
    await bot.ok("POST", f"/conversations/{dm['id']}/participants", json={"userId": alice["id"]})
    await bot.message(slack["id"], alice["id"])

    async def listed(**params: Any) -> list[str]:
        page = await bot.ok("GET", "/conversations", params={**run, **params})
        return ids(page["conversations"])

    assert await listed() == [slack["id"], group["id"], dm["id"]]
    assert await listed(sortDirection="asc") == [dm["id"], group["id"], slack["id"]]
    assert await listed(**{"tags.k": "b"}) == [group["id"]]
    assert await listed(channel="dm") == [slack["id"], dm["id"]]
    assert await listed(integrationName="slack") == [slack["id"]]
    assert await listed(integrationName="nowhere") == []
    assert await listed(participantIds=alice["id"]) == [group["id"], dm["id"]]
    assert await listed(participantIds=[alice["id"], bob["id"]]) == [group["id"]]
    assert await listed(minMessageCount="1") == [slack["id"]]
    assert await listed(maxMessageCount="0") == [group["id"], dm["id"]]
    assert await listed(afterDate=group["createdAt"]) == [slack["id"], group["id"]]
    assert await listed(beforeDate=group["createdAt"]) == [group["id"], dm["id"]]
    clock.advance(timedelta(milliseconds=1))  # the update comes after every other change
    await bot.ok("PUT", f"/conversations/{dm['id']}", json={"tags": {"touched": "1"}})
    assert (await listed(sortField="updatedAt"))[0] == dm["id"]


async def test_list_pages_to_the_end(bot: Bot) -> None:
    tags = {"run": (await bot.user())["id"]}
    created = [(await bot.conversation(tags=tags))["id"] for _ in range(5)]
    for direction, expected in (("desc", created[::-1]), ("asc", created)):
        seen: list[str] = []
        token = None
        while True:
            params = {"tags.run": tags["run"], "pageSize": "2", "sortDirection": direction}
            if token:
                params["nextToken"] = token
            page = await bot.ok("GET", "/conversations", params=params)
            seen.extend(ids(page["conversations"]))
            token = page["meta"].get("nextToken")
            if not token:
                break
        assert seen == expected


async def test_participants(bot: Bot) -> None:
    conversation = await bot.conversation()
    path = f"/conversations/{conversation['id']}/participants"
    users = [await bot.user(name=f"u{i}") for i in range(3)]
    for user in users:
        added = await bot.ok("POST", path, json={"userId": user["id"]})
        assert added == {"participant": user}
    again = await bot.ok("POST", path, json={"userId": users[0]["id"]})
    assert again["participant"]["id"] == users[0]["id"]

    seen: list[str] = []
    token = None
    while True:
        params = {"pageSize": "2", **({"nextToken": token} if token else {})}
        page = await bot.ok("GET", path, params=params)
        seen.extend(ids(page["participants"]))
        token = page["meta"].get("nextToken")
        if not token:
            break
    assert seen == ids(users)

    got = await bot.ok("GET", f"{path}/{users[1]['id']}")
    assert got == {"participant": users[1]}
    assert await bot.ok("DELETE", f"{path}/{users[1]['id']}", json={}) == {}
    botpress_error(await bot.call("GET", f"{path}/{users[1]['id']}"), 404, "ResourceNotFound")
    botpress_error(await bot.call("DELETE", f"{path}/{users[1]['id']}"), 404, "ResourceNotFound")
    missing = "00000000-0000-7000-8000-000000000000"
    botpress_error(await bot.call("POST", path, json={"userId": missing}), 404, "ResourceNotFound")
