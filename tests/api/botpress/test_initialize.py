"""initializeIncomingMessage: user, conversation and message found or created in one call."""

from __future__ import annotations

from typing import Any

from tests.api.botpress.conftest import Bot, botpress_error, integration_headers

PATH = "/initialize-incoming-message"


def user_spec(**fields: Any) -> dict[str, Any]:
    return {"tags": {"telegram:id": "42"}, "name": "Alice", "discriminateByTags": [], **fields}


def conversation_spec(**fields: Any) -> dict[str, Any]:
    return {
        "channel": "dm",
        "tags": {"telegram:chat": "7"},
        "integrationName": "telegram",
        "discriminateByTags": [],
        **fields,
    }


def message_spec(**fields: Any) -> dict[str, Any]:
    return {
        "payload": {"text": "hello"},
        "type": "text",
        "tags": {"telegram:msg": "1"},
        "discriminateByTags": ["telegram:msg"],
        **fields,
    }


async def test_creates_user_conversation_and_message(bot: Bot) -> None:
    body = {"user": user_spec(), "conversation": conversation_spec(), "message": message_spec()}
    answer = await bot.ok("POST", PATH, json=body)
    assert set(answer) == {"user", "conversation", "message"}
    user, conversation, message = answer["user"], answer["conversation"], answer["message"]
    assert user["tags"] == {"telegram:id": "42"}
    assert user["name"] == "Alice"
    assert conversation["tags"] == {"telegram:chat": "7"}
    assert conversation["channel"] == "dm"
    assert conversation["integration"] == "telegram"
    assert conversation["messageCount"] == 1
    assert message["direction"] == "incoming"
    assert message["userId"] == user["id"]
    assert message["conversationId"] == conversation["id"]
    assert message["tags"] == {"telegram:msg": "1"}
    participants = await bot.ok("GET", f"/conversations/{conversation['id']}/participants")
    assert [p["id"] for p in participants["participants"]] == [user["id"]]
    assert await bot.ok("GET", f"/messages/{message['id']}") == {"message": message}


async def test_a_second_call_finds_everything_again(bot: Bot) -> None:
    body = {"user": user_spec(), "conversation": conversation_spec(), "message": message_spec()}
    first = await bot.ok("POST", PATH, json=body)
    again = await bot.ok("POST", PATH, json=body)
    for part in ("user", "conversation", "message"):
        assert again[part]["id"] == first[part]["id"], part
    assert again["conversation"]["messageCount"] == 1
    participants = await bot.ok("GET", f"/conversations/{first['conversation']['id']}/participants")
    assert len(participants["participants"]) == 1


async def test_existing_records_by_id_and_no_message(bot: Bot) -> None:
    user = await bot.user(name="Bob")
    conversation = await bot.conversation()
    answer = await bot.ok(
        "POST", PATH, json={"userId": user["id"], "conversationId": conversation["id"]}
    )
    assert set(answer) == {"user", "conversation"}
    assert answer["user"] == user
    assert answer["conversation"]["id"] == conversation["id"]
    participants = await bot.ok("GET", f"/conversations/{conversation['id']}/participants")
    assert [p["id"] for p in participants["participants"]] == [user["id"]]


async def test_an_integration_call_uses_its_alias(bot: Bot) -> None:
    spec = conversation_spec()
    del spec["integrationName"]
    answer = await bot.ok(
        "POST",
        PATH,
        json={"user": user_spec(), "conversation": spec, "message": message_spec()},
        headers=integration_headers(bot.workspace),
    )
    assert answer["conversation"]["integration"] == "telegram"
    assert answer["message"]["direction"] == "incoming"


async def test_unknown_ids_are_not_found(bot: Bot) -> None:
    user = await bot.user()
    conversation = await bot.conversation()
    missing = "conv_" + "0" * 26
    for body in (
        {"userId": "user_" + "0" * 26, "conversationId": conversation["id"]},
        {"userId": user["id"], "conversationId": missing},
        {"user": user_spec(), "conversationId": missing, "message": message_spec()},
    ):
        response = await bot.call("POST", PATH, json=body)
        botpress_error(response, 404, "ResourceNotFound")
    # The failed calls left nothing behind: the user they would have created does not exist.
    listed = await bot.ok("GET", "/users", params={"tags.telegram:id": "42"})
    assert listed["users"] == []


async def test_exactly_one_of_each_and_every_field_is_checked(bot: Bot) -> None:
    user = await bot.user()
    conversation = await bot.conversation()
    ids = {"userId": user["id"], "conversationId": conversation["id"]}
    bad_bodies: list[dict[str, Any]] = [
        {},
        {"userId": user["id"]},
        {"conversationId": conversation["id"]},
        {**ids, "user": user_spec()},
        {**ids, "conversation": conversation_spec()},
        {**ids, "userId": "short"},
        {**ids, "extra": True},
        {"userId": user["id"], "conversation": {**conversation_spec(), "channel": ""}},
        {"conversationId": conversation["id"], "user": {"tags": {}}},
        {"conversationId": conversation["id"], "user": {**user_spec(), "tags": {"k": None}}},
        {**ids, "message": {k: v for k, v in message_spec().items() if k != "type"}},
        {**ids, "message": {k: v for k, v in message_spec().items() if k != "discriminateByTags"}},
        {**ids, "message": {**message_spec(), "origin": "organic"}},
        {**ids, "message": {**message_spec(), "userId": user["id"]}},
    ]
    for body in bad_bodies:
        response = await bot.call("POST", PATH, json=body)
        botpress_error(response, 400, "InvalidPayload")


async def test_another_bots_records_are_not_found(bot: Bot, other_bot: Bot) -> None:
    user = await bot.user()
    conversation = await bot.conversation()
    theirs = await other_bot.user()
    response = await other_bot.call(
        "POST",
        PATH,
        json={
            "userId": theirs["id"],
            "conversationId": conversation["id"],
            "message": message_spec(),
        },
    )
    botpress_error(response, 404, "ResourceNotFound")
    response = await other_bot.call(
        "POST", PATH, json={"userId": user["id"], "conversation": conversation_spec()}
    )
    botpress_error(response, 404, "ResourceNotFound")
    participants = await bot.ok("GET", f"/conversations/{conversation['id']}/participants")
    assert participants["participants"] == []
