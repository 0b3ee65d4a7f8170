"""States over HTTP: get, set, patch, get-or-set and expiry, with the client's State shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from hubbub.db.models import bot_state
from hubbub.db.uow import Database
from tests.api.botpress.conftest import Bot, botpress_error

STATE_KEYS = {"id", "createdAt", "updatedAt", "botId", "name", "type", "payload"}


async def conversation_state(bot: Bot) -> str:
    conversation = await bot.conversation()
    return f"/states/conversation/{conversation['id']}/memory"


async def test_set_then_get_answers_the_exact_shape(bot: Bot) -> None:
    conversation = await bot.conversation()
    path = f"/states/conversation/{conversation['id']}/memory"
    response = await bot.call("GET", path)
    botpress_error(response, 404, "ResourceNotFound")
    stored = await bot.ok("POST", path, json={"payload": {"step": 1}})
    assert set(stored) == {"state"}
    state = stored["state"]
    assert set(state) == STATE_KEYS | {"conversationId"}
    assert state["conversationId"] == conversation["id"]
    assert state["botId"] == bot.workspace.id
    assert (state["type"], state["name"], state["payload"]) == (
        "conversation",
        "memory",
        {"step": 1},
    )
    assert await bot.ok("GET", path) == {"state": state, "meta": {"cached": False}}
    replaced = await bot.ok("POST", path, json={"payload": {"other": True}})
    assert replaced["state"]["id"] == state["id"]
    assert replaced["state"]["payload"] == {"other": True}
    assert replaced["state"]["createdAt"] == state["createdAt"]


async def test_every_owner_type(bot: Bot) -> None:
    user = await bot.user()
    for path, owner_field in (
        (f"/states/user/{user['id']}/profile", "userId"),
        (f"/states/bot/{bot.workspace.id}/settings", None),
        ("/states/integration/intver_telegram/cache", None),
        ("/states/workflow/wf_1/vars", None),
    ):
        state = (await bot.ok("POST", path, json={"payload": {"a": 1}}))["state"]
        expected = STATE_KEYS if owner_field is None else STATE_KEYS | {owner_field}
        assert set(state) == expected, path
        assert (await bot.ok("GET", path))["state"] == state
    # States of different owners and names are different states.
    assert (await bot.ok("POST", "/states/workflow/wf_2/vars", json={"payload": {"b": 2}}))[
        "state"
    ]["payload"] == {"b": 2}
    assert (await bot.ok("GET", "/states/workflow/wf_1/vars"))["state"]["payload"] == {"a": 1}


async def test_owners_that_do_not_exist_are_not_found(bot: Bot) -> None:
    for path in (
        "/states/conversation/conv_00000000000000000000000000/x",
        "/states/user/user_00000000000000000000000000/x",
        "/states/bot/some-other-bot/x",
    ):
        for method, body in (
            ("GET", None),
            ("POST", {"payload": {}}),
            ("PATCH", {"payload": {}}),
        ):
            response = await bot.call(method, path, json=body)
            botpress_error(response, 404, "ResourceNotFound")
        response = await bot.call("POST", path + "/get-or-set", json={"payload": {}})
        botpress_error(response, 404, "ResourceNotFound")


async def test_patch_merges_top_level_keys(bot: Bot) -> None:
    path = await conversation_state(bot)
    response = await bot.call("PATCH", path, json={"payload": {"a": 1}})
    botpress_error(response, 404, "ResourceNotFound")
    await bot.ok("POST", path, json={"payload": {"a": 1, "nested": {"x": 1, "y": 2}}})
    patched = await bot.ok("PATCH", path, json={"payload": {"b": 2, "nested": {"x": 9}}})
    assert patched["state"]["payload"] == {"a": 1, "b": 2, "nested": {"x": 9}}
    assert (await bot.ok("GET", path))["state"]["payload"] == patched["state"]["payload"]


async def test_get_or_set_sets_only_once(bot: Bot) -> None:
    path = await conversation_state(bot)
    first = await bot.ok("POST", path + "/get-or-set", json={"payload": {"v": 1}})
    assert first["meta"] == {"cached": False}
    assert first["state"]["payload"] == {"v": 1}
    second = await bot.ok("POST", path + "/get-or-set", json={"payload": {"v": 2}})
    assert second["state"] == first["state"]


async def test_a_null_payload_deletes_the_state(bot: Bot) -> None:
    path = await conversation_state(bot)
    await bot.ok("POST", path, json={"payload": {"v": 1}})
    removed = await bot.ok("POST", path, json={"payload": None})
    assert removed["state"]["payload"] == {}
    botpress_error(await bot.call("GET", path), 404, "ResourceNotFound")


async def test_expiry_is_reported_and_moved_by_writes(bot: Bot) -> None:
    path = await conversation_state(bot)
    state = (await bot.ok("POST", path, json={"payload": {}, "expiry": 60_000}))["state"]
    assert state["expiry"] == 60_000
    expires = datetime.fromisoformat(state["expiresAt"])
    updated = datetime.fromisoformat(state["updatedAt"])
    assert expires - updated == timedelta(minutes=1)
    # A write without expiry keeps it; null removes it; /expiry sets it again.
    kept = (await bot.ok("PATCH", path, json={"payload": {"a": 1}}))["state"]
    assert kept["expiry"] == 60_000
    assert kept["expiresAt"] >= state["expiresAt"]
    cleared = (await bot.ok("POST", path, json={"payload": {"a": 1}, "expiry": None}))["state"]
    assert set(cleared) == STATE_KEYS | {"conversationId"}
    again = (await bot.ok("POST", path + "/expiry", json={"expiry": 1000}))["state"]
    assert again["expiry"] == 1000
    assert again["payload"] == {"a": 1}
    removed = (await bot.ok("POST", path + "/expiry", json={"expiry": None}))["state"]
    assert "expiry" not in removed
    assert "expiresAt" not in removed


async def test_an_expired_state_reads_as_absent(bot: Bot, database: Database) -> None:
    path = await conversation_state(bot)
    state = (await bot.ok("POST", path, json={"payload": {"old": 1}, "expiry": 3_600_000}))["state"]
    async with database.transaction() as session:
        await session.conn.execute(
            update(bot_state)
            .where(bot_state.c.id == state["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    botpress_error(await bot.call("GET", path), 404, "ResourceNotFound")
    botpress_error(await bot.call("PATCH", path, json={"payload": {}}), 404, "ResourceNotFound")
    botpress_error(
        await bot.call("POST", path + "/expiry", json={"expiry": 5}), 404, "ResourceNotFound"
    )
    fresh = (await bot.ok("POST", path + "/get-or-set", json={"payload": {"new": 1}}))["state"]
    assert fresh["payload"] == {"new": 1}
    assert fresh["id"] != state["id"]
    assert "expiry" not in fresh  # a new state starts without the lapsed one's expiry


async def test_validation(bot: Bot) -> None:
    path = await conversation_state(bot)
    await bot.ok("POST", path, json={"payload": {}})
    bad: list[tuple[str, str, Any]] = [
        ("POST", path, {}),
        ("POST", path, {"payload": []}),
        ("POST", path, {"payload": {}, "expiry": 0}),
        ("POST", path, {"payload": {}, "expiry": 2_592_000_001}),
        ("POST", path, {"payload": {}, "expiry": 1.5}),
        ("POST", path, {"payload": {}, "extra": 1}),
        ("PATCH", path, {"payload": None}),
        ("POST", path + "/get-or-set", {"payload": None}),
        ("POST", path + "/expiry", {}),
        ("POST", path + "/expiry", {"expiry": -1}),
        ("GET", path.replace("/conversation/", "/task/"), None),
        ("GET", path.replace("/memory", "/" + "n" * 201), None),
        ("GET", "/states/workflow/" + "w" * 101 + "/x", None),
    ]
    for method, url, body in bad:
        response = await bot.call(method, url, json=body)
        botpress_error(response, 400, "InvalidPayload")


async def test_another_bot_reaches_no_state(bot: Bot, other_bot: Bot) -> None:
    path = await conversation_state(bot)
    await bot.ok("POST", "/states/workflow/wf/x", json={"payload": {"secret": 1}})
    await bot.ok("POST", path, json={"payload": {"secret": 1}})
    for url in (path, "/states/workflow/wf/x", f"/states/bot/{bot.workspace.id}/x"):
        botpress_error(await other_bot.call("GET", url), 404, "ResourceNotFound")
    botpress_error(
        await other_bot.call("POST", path, json={"payload": {}}), 404, "ResourceNotFound"
    )
    assert (await bot.ok("GET", path))["state"]["payload"] == {"secret": 1}
