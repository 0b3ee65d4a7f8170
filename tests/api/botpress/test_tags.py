"""listTagValues: distinct values of one tag key among users, conversations or messages."""

from __future__ import annotations

from tests.api.botpress.conftest import Bot, botpress_error


async def values(bot: Bot, key: str, record_type: str, **params: str) -> dict[str, object]:
    answer: dict[str, object] = await bot.ok(
        "GET", f"/tags/{key}/values", params={"type": record_type, **params}
    )
    return answer


async def test_distinct_values_per_record_type(bot: Bot) -> None:
    for color in ("red", "blue", "red"):
        await bot.user(tags={"color": color, "other": "x"})
    await bot.user(tags={"other": "y"})
    conversation = await bot.conversation(tags={"color": "green"})
    user = await bot.user()
    await bot.message(conversation["id"], user["id"], tags={"color": "teal"})
    await bot.message(conversation["id"], user["id"], tags={"color": "teal"})
    assert await values(bot, "color", "user") == {
        "tags": [{"value": "blue"}, {"value": "red"}],
        "meta": {},
    }
    assert (await values(bot, "color", "conversation"))["tags"] == [{"value": "green"}]
    assert (await values(bot, "color", "message"))["tags"] == [{"value": "teal"}]
    assert (await values(bot, "missing", "user"))["tags"] == []


async def test_keys_with_odd_characters(bot: Bot) -> None:
    await bot.user(tags={"telegram:id": "42", 'a"b': "quoted", "a.b": "dotted"})
    assert (await values(bot, "telegram:id", "user"))["tags"] == [{"value": "42"}]
    assert (await values(bot, 'a"b', "user"))["tags"] == [{"value": "quoted"}]
    assert (await values(bot, "a.b", "user"))["tags"] == [{"value": "dotted"}]


async def test_pages_to_the_end_without_loss_or_repeat(bot: Bot) -> None:
    expected = [f"v{n:02d}" for n in range(7)]
    for value in reversed(expected):
        await bot.user(tags={"k": value})
    seen: list[str] = []
    token = None
    for _ in range(10):
        params = {"pageSize": "3"} if token is None else {"pageSize": "3", "nextToken": token}
        page = await values(bot, "k", "user", **params)
        seen += [tag["value"] for tag in page["tags"]]  # type: ignore[attr-defined]
        token = page["meta"].get("nextToken")  # type: ignore[attr-defined]
        if not token:
            break
    assert seen == expected


async def test_bad_requests(bot: Bot) -> None:
    for params in ({}, {"type": "bot"}, {"type": "user", "pageSize": "x"}):
        response = await bot.call("GET", "/tags/k/values", params=params)
        botpress_error(response, 400, "InvalidQuery")
    response = await bot.call("GET", "/tags/k/values", params={"type": "user", "nextToken": "bad"})
    botpress_error(response, 400, "InvalidQuery")
    response = await bot.call("GET", f"/tags/{'k' * 101}/values", params={"type": "user"})
    botpress_error(response, 400, "InvalidPayload")


async def test_only_this_bots_records(bot: Bot, other_bot: Bot) -> None:
    await bot.user(tags={"secret": "mine"})
    assert (await values(other_bot, "secret", "user"))["tags"] == []
    response = await bot.call(
        "GET", "/tags/secret/values", params={"type": "user"}, headers={"x-bot-id": "someone"}
    )
    botpress_error(response, 403, "Forbidden")
