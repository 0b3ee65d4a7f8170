"""Another workspace's key with its own bot id never reaches this bot's records: every route,
given this bot's ids, answers 404 (or an empty list), and nothing changes here."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.api.botpress.conftest import BASE, Bot, botpress_error

_PARAM = re.compile(r"\{(\w+)\}")
STATE = "/states/{state_type}/{owner_id}/{name}"
# Lists whose path names a parameter: another bot gets its own (empty) list, not a 404.
LIST_ROUTES = {"/tags/{key}/values"}


def botpress_routes(app: FastAPI) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith(BASE):
            for method in route.methods or ():
                found.add((method, route.path[len(BASE) :]))
    return found


async def mine(bot: Bot) -> dict[str, Any]:
    user = await bot.user(tags={"secret": "1"}, name="Mine")
    conversation = await bot.conversation(tags={"secret": "1"})
    await bot.ok(
        "POST", f"/conversations/{conversation['id']}/participants", json={"userId": user["id"]}
    )
    message = await bot.message(conversation["id"], user["id"], tags={"secret": "1"})
    event = await bot.ok(
        "POST",
        "/events",
        201,
        json={"type": "t", "payload": {}, "schedule": {"delay": 3_600_000}},
    )
    await bot.ok(
        "POST", f"/states/conversation/{conversation['id']}/secret", json={"payload": {"a": 1}}
    )
    return {
        "user": user,
        "conversation": conversation,
        "message": message,
        "event": event["event"],
    }


def attacks(ids: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """Per route: the request another bot makes with this bot's ids."""
    user, conversation = ids["user"]["id"], ids["conversation"]["id"]
    message = {
        "payload": {"text": "x"},
        "userId": user,
        "conversationId": conversation,
        "type": "text",
        "tags": {},
    }
    return {
        ("POST", "/messages"): {"json": message},
        ("POST", "/messages/get-or-create"): {"json": {**message, "tags": {"secret": "1"}}},
        ("GET", "/messages/{message_id}"): {},
        ("PUT", "/messages/{message_id}"): {"json": {"tags": {"secret": None}}},
        ("DELETE", "/messages/{message_id}"): {"json": {}},
        ("GET", "/messages"): {"params": {"conversationId": conversation}},
        ("POST", "/conversations"): None,  # creates its own; nothing of ours to name
        ("POST", "/conversations/get-or-create"): None,
        ("GET", "/conversations/{conversation_id}"): {},
        ("PUT", "/conversations/{conversation_id}"): {"json": {"tags": {"secret": None}}},
        ("DELETE", "/conversations/{conversation_id}"): {"json": {}},
        ("GET", "/conversations"): {"params": {"participantIds": user}},
        ("GET", "/conversations/{conversation_id}/participants"): {},
        ("POST", "/conversations/{conversation_id}/participants"): {"json": {"userId": user}},
        ("GET", "/conversations/{conversation_id}/participants/{user_id}"): {},
        ("DELETE", "/conversations/{conversation_id}/participants/{user_id}"): {"json": {}},
        ("POST", "/users"): None,
        ("POST", "/users/get-or-create"): None,
        ("GET", "/users/{user_id}"): {},
        ("PUT", "/users/{user_id}"): {"json": {"name": "stolen"}},
        ("DELETE", "/users/{user_id}"): {"json": {}},
        ("GET", "/users"): {"params": {"conversationId": conversation}},
        ("POST", "/events"): {"json": {"type": "t", "payload": {}, "conversationId": conversation}},
        ("GET", "/events/{event_id}"): {},
        ("GET", "/events"): {"params": {"conversationId": conversation}},
        ("DELETE", "/events/scheduled/{event_id}"): {"json": {}},
        ("POST", "/messages/import-messages"): {
            "json": {
                "messages": [
                    {
                        **message,
                        "createdAt": "2024-01-01T00:00:00.000Z",
                        "discriminateByTags": [],
                    }
                ]
            }
        },
        ("POST", "/initialize-incoming-message"): {
            "json": {"userId": user, "conversationId": conversation}
        },
        ("GET", "/tags/{key}/values"): {"params": {"type": "user"}},
        ("GET", STATE): {},
        ("POST", STATE): {"json": {"payload": {"stolen": True}}},
        ("PATCH", STATE): {"json": {"payload": {"stolen": True}}},
        ("POST", STATE + "/get-or-set"): {"json": {"payload": {"stolen": True}}},
        ("POST", STATE + "/expiry"): {"json": {"expiry": 1}},
    }


async def test_every_route_has_an_attack(app: FastAPI, bot: Bot) -> None:
    assert botpress_routes(app) == set(attacks({"user": {"id": ""}, "conversation": {"id": ""}}))


async def test_another_bot_reaches_nothing_of_ours(bot: Bot, other_bot: Bot) -> None:
    ids = await mine(bot)
    values = {
        "message_id": ids["message"]["id"],
        "conversation_id": ids["conversation"]["id"],
        "user_id": ids["user"]["id"],
        "event_id": ids["event"]["id"],
        "key": "secret",
        "state_type": "conversation",
        "owner_id": ids["conversation"]["id"],
        "name": "secret",
    }
    for (method, path), request in attacks(ids).items():
        if request is None:
            continue
        url = _PARAM.sub(lambda match: values[match[1]], path)
        response = await other_bot.call(method, url, **request)
        if method == "GET" and ("{" not in path or path in LIST_ROUTES):
            page = response.json()
            assert response.status_code == 200, (method, path, response.text)
            assert [key for key, items in page.items() if key != "meta" and items] == [], path
        else:
            botpress_error(response, 404, "ResourceNotFound")

    # Everything of ours is as it was.
    assert await bot.ok("GET", f"/messages/{values['message_id']}") == {"message": ids["message"]}
    assert (await bot.ok("GET", f"/users/{values['user_id']}"))["user"] == ids["user"]
    conversation = await bot.ok("GET", f"/conversations/{values['conversation_id']}")
    assert conversation["conversation"]["tags"] == {"secret": "1"}
    event = await bot.ok("GET", f"/events/{values['event_id']}")
    assert event["event"]["status"] == "scheduled"
    participants = await bot.ok("GET", f"/conversations/{values['conversation_id']}/participants")
    assert [p["id"] for p in participants["participants"]] == [values["user_id"]]
    state = await bot.ok("GET", f"/states/conversation/{values['conversation_id']}/secret")
    assert state["state"]["payload"] == {"a": 1}
    assert "expiry" not in state["state"]


async def test_tag_lookups_never_cross_bots(bot: Bot, other_bot: Bot) -> None:
    ids = await mine(bot)
    found = await other_bot.ok("POST", "/users/get-or-create", json={"tags": {"secret": "1"}})
    assert found["meta"]["created"] is True
    assert found["user"]["id"] != ids["user"]["id"]
    listed = await other_bot.ok("GET", "/users", params={"tags.secret": "1"})
    assert ids["user"]["id"] not in [user["id"] for user in listed["users"]]
    conversations = await other_bot.ok("GET", "/conversations", params={"tags.secret": "1"})
    assert ids["conversation"]["id"] not in [c["id"] for c in conversations["conversations"]]
