"""importMessages: history dated by the caller, found or created by tags, never sent, and all
or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from hubbub.db.models import job, message
from hubbub.db.uow import Database
from hubbub.messages.service import message as message_service
from tests.api.botpress.conftest import Bot, botpress_error, integration_headers


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def item(user: dict[str, Any], conversation: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "payload": {"text": "old"},
        "userId": user["id"],
        "conversationId": conversation["id"],
        "type": "text",
        "tags": {},
        "createdAt": iso(datetime.now(UTC) - timedelta(days=1)),
        "discriminateByTags": [],
        **fields,
    }


async def setup(bot: Bot) -> tuple[dict[str, Any], dict[str, Any]]:
    return await bot.user(name="Alice"), await bot.conversation()


async def stored_count(database: Database, workspace_id: str) -> int:
    async with database.read() as session:
        count = (
            await session.conn.execute(
                select(func.count())
                .select_from(message)
                .where(message.c.workspace_id == workspace_id)
            )
        ).scalar()
    return int(count or 0)


async def test_import_answers_the_messages_dated_as_given(bot: Bot) -> None:
    user, conversation = await setup(bot)
    when = datetime(2024, 3, 1, 12, 30, 15, 123000, tzinfo=UTC)
    body = {"messages": [item(user, conversation, createdAt=iso(when), tags={"ext": "1"})]}
    answer = await bot.ok("POST", "/messages/import-messages", json=body)
    assert set(answer) == {"messages"}
    [imported] = answer["messages"]
    assert imported["createdAt"] == "2024-03-01T12:30:15.123Z"
    assert imported["payload"] == {"text": "old"}
    assert imported["tags"] == {"ext": "1"}
    assert imported["direction"] == "outgoing"
    assert imported["userId"] == user["id"]
    assert await bot.ok("GET", f"/messages/{imported['id']}") == {"message": imported}


async def test_an_integration_imports_incoming_messages(bot: Bot) -> None:
    user, conversation = await setup(bot)
    answer = await bot.ok(
        "POST",
        "/messages/import-messages",
        json={"messages": [item(user, conversation)]},
        headers=integration_headers(bot.workspace),
    )
    assert answer["messages"][0]["direction"] == "incoming"


async def test_imported_messages_sort_into_the_history(bot: Bot) -> None:
    user, conversation = await setup(bot)
    live = await bot.message(conversation["id"], user["id"], text="now")
    now = datetime.now(UTC)
    older = [
        item(
            user,
            conversation,
            payload={"text": f"day {days}"},
            createdAt=iso(now - timedelta(days=days)),
        )
        for days in (3, 1, 2)
    ]
    await bot.ok("POST", "/messages/import-messages", json={"messages": older})
    listed = await bot.ok("GET", "/messages", params={"conversationId": conversation["id"]})
    texts = [m["payload"]["text"] for m in listed["messages"]]
    assert texts == ["now", "day 1", "day 2", "day 3"]
    assert listed["messages"][0]["id"] == live["id"]
    after = iso(now - timedelta(days=2, hours=1))
    window = await bot.ok(
        "GET",
        "/messages",
        params={
            "conversationId": conversation["id"],
            "afterDate": after,
            "beforeDate": iso(now - timedelta(hours=1)),
        },
    )
    assert [m["payload"]["text"] for m in window["messages"]] == ["day 1", "day 2"]
    got = await bot.ok("GET", f"/conversations/{conversation['id']}")
    assert got["conversation"]["messageCount"] == 4


async def test_imported_messages_are_never_sent(bot: Bot, database: Database) -> None:
    user, conversation = await setup(bot)
    answer = await bot.ok(
        "POST", "/messages/import-messages", json={"messages": [item(user, conversation)]}
    )
    message_id = answer["messages"][0]["id"]
    async with database.read() as session:
        queued = (
            await session.conn.execute(
                select(func.count()).select_from(job).where(job.c.target_id == message_id)
            )
        ).scalar()
        stored = await message_service.get_or_raise(session, bot.workspace.id, message_id)
    assert queued == 0
    assert stored.status == "sent"  # it went out before Hubbub knew it
    # A message created the ordinary way is queued, so the check above can see a job.
    live = await bot.message(conversation["id"], user["id"])
    async with database.read() as session:
        queued = (
            await session.conn.execute(
                select(func.count()).select_from(job).where(job.c.target_id == live["id"])
            )
        ).scalar()
    assert queued == 1


async def test_reimporting_finds_the_same_messages(bot: Bot, database: Database) -> None:
    user, conversation = await setup(bot)
    when = iso(datetime(2024, 1, 2, tzinfo=UTC))
    first = item(user, conversation, tags={"ext": "a"}, discriminateByTags=["ext"], createdAt=when)
    second = item(user, conversation, tags={"ext": "b"}, discriminateByTags=["ext"], createdAt=when)
    # An empty discriminateByTags (the field is required) means every tag discriminates.
    third = item(user, conversation, tags={"ext": "c", "kind": "x"}, createdAt=when)
    once = await bot.ok(
        "POST", "/messages/import-messages", json={"messages": [first, second, third]}
    )
    count = await stored_count(database, bot.workspace.id)
    edited = {
        **first,
        "payload": {"text": "edited"},
        "createdAt": iso(datetime(2024, 5, 5, tzinfo=UTC)),
    }
    again = await bot.ok(
        "POST", "/messages/import-messages", json={"messages": [edited, second, third]}
    )
    assert [m["id"] for m in again["messages"]] == [m["id"] for m in once["messages"]]
    assert await stored_count(database, bot.workspace.id) == count
    assert again["messages"][0]["payload"] == {"text": "edited"}
    assert again["messages"][0]["createdAt"] == once["messages"][0]["createdAt"]


async def test_one_bad_item_stores_nothing(bot: Bot, database: Database) -> None:
    user, conversation = await setup(bot)
    before = await stored_count(database, bot.workspace.id)
    good = item(user, conversation, tags={"n": "1"})
    # An integration imports the user's messages: their author must be a user (the core's
    # author rule, a 422 the dialect shows as InvalidPayload).
    unknown_user = item({"id": "user_" + "0" * 26}, conversation)
    response = await bot.call(
        "POST",
        "/messages/import-messages",
        json={"messages": [good, unknown_user]},
        headers=integration_headers(bot.workspace),
    )
    error = botpress_error(response, 400, "InvalidPayload")
    assert error["metadata"]["index"] == 1
    assert error["metadata"]["field"] == "userId"
    future = item(user, conversation, createdAt=iso(datetime.now(UTC) + timedelta(days=1)))
    response = await bot.call(
        "POST", "/messages/import-messages", json={"messages": [good, future]}
    )
    error = botpress_error(response, 400, "InvalidPayload")
    assert error["metadata"]["index"] == 1
    assert await stored_count(database, bot.workspace.id) == before


async def test_every_field_is_validated(bot: Bot) -> None:
    user, conversation = await setup(bot)
    good = item(user, conversation)
    bad_bodies: list[Any] = [
        {"messages": []},
        {"messages": [good] * 101},
        {},
        {"messages": [good], "extra": 1},
        *[{"messages": [{k: v for k, v in good.items() if k != field}]} for field in good],
        {"messages": [{**good, "userId": "short"}]},
        {"messages": [{**good, "conversationId": "c" * 37}]},
        {"messages": [{**good, "createdAt": "yesterday-ish-at-noon"}]},
        {"messages": [{**good, "createdAt": "2024"}]},
        {"messages": [{**good, "tags": {"k": None}}]},
        {"messages": [{**good, "tags": {"k": "v" * 501}}]},
        {"messages": [{**good, "type": ""}]},
        {"messages": [{**good, "payload": "text"}]},
        {"messages": [{**good, "discriminateByTags": "k"}]},
        {"messages": [{**good, "origin": "synthetic"}]},
    ]
    for body in bad_bodies:
        response = await bot.call("POST", "/messages/import-messages", json=body)
        botpress_error(response, 400, "InvalidPayload")


async def test_a_conversation_of_another_bot_is_not_found(bot: Bot, other_bot: Bot) -> None:
    _, conversation = await setup(bot)
    theirs = await other_bot.user()
    response = await other_bot.call(
        "POST", "/messages/import-messages", json={"messages": [item(theirs, conversation)]}
    )
    botpress_error(response, 404, "ResourceNotFound")
    listed = await bot.ok("GET", "/messages", params={"conversationId": conversation["id"]})
    assert listed["messages"] == []
