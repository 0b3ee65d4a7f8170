# ruff: noqa: E501  (the wire examples read best one per line)
"""Messages of a user chat: create (every content shape, round-tripped), validation, and the
``requestId`` idempotency."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.channelio.conftest import Api, error_of

RICH = {
    "blocks": [
        {"type": "text", "value": "Hello <b>there</b> &amp; welcome"},
        {"type": "code", "value": "print(1)", "language": "python"},
        {"type": "bullets", "blocks": [{"type": "text", "value": "one"}, {"type": "text", "value": "two"}]},
    ],
    "buttons": [
        {"title": "Open", "action": {"type": "web", "attributes": {"url": "https://x.io"}}, "colorVariant": "green"},
        {"title": "Run", "action": {"type": "command", "attributes": {"appId": "a1", "name": "go", "params": {"n": 1}}}},
    ],
    "files": [
        {"id": "f1", "name": "a.png", "size": 321, "bucket": "bin", "key": "pub/a b.png", "type": "image", "contentType": "image/png", "width": 10, "height": 20, "animated": False},
    ],
    "webPage": {"url": "https://w.io", "title": "W", "description": "D", "imageUrl": "https://w.io/i.png", "publisher": "Pub", "width": 100},
    "options": ["actAsManager", "silent"],
}  # fmt: skip
CONTENT_FIELDS = ("blocks", "buttons", "files", "webPage", "options")


async def chat_of(api: Api, member_id: str = "msg-user") -> dict[str, Any]:
    user = await api.upsert_user(member_id, profile={"name": "U"})
    return await api.create_chat(user["id"])


async def all_messages(api: Api, chat_id: str) -> list[dict[str, Any]]:
    response = await api.request(
        "GET", f"/user-chats/{chat_id}/messages", params={"sortOrder": "asc", "limit": 500}
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


async def test_rich_message_round_trips(api: Api) -> None:
    chat = await chat_of(api)
    response = await api.send(chat["id"], {**RICH, "requestId": "rt-1"}, botName="Support")
    assert response.status_code == 200, response.text
    body = response.json()
    sent = body["message"]
    for field in CONTENT_FIELDS:
        assert sent[field] == RICH[field], field
    assert sent["plainText"] == "Hello there & welcome\nprint(1)\none\ntwo"
    assert sent["requestId"] == "rt-1"
    assert sent["personType"] == "bot"
    assert sent["personId"] == "Support"
    assert sent["chatId"] == chat["id"]
    assert sent["chatType"] == "userChat"
    assert sent["chatKey"] == f"userChat-{chat['id']}"
    assert sent["channelId"] == api.workspace.id
    assert sent["state"] == "sending"
    assert isinstance(sent["createdAt"], int)
    assert sent["createdAt"] > 1_600_000_000_000
    assert body["bot"] == {"id": "Support", "channelId": api.workspace.id, "name": "Support"}
    assert body["user"]["id"] == chat["userId"]
    [listed] = await all_messages(api, chat["id"])
    assert listed == sent


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"plainText": "just text"}, {"blocks": [{"type": "text", "value": "just text"}], "plainText": "just text"}),
        (
            {"plainText": "pick", "buttons": [{"title": "Docs", "url": "https://d.io"}]},
            {"blocks": [{"type": "text", "value": "pick"}], "plainText": "pick", "buttons": [{"title": "Docs", "url": "https://d.io"}]},
        ),
        (
            {"webPage": {"url": "https://only.io"}},
            {"blocks": [], "webPage": {"url": "https://only.io"}},
        ),
        (
            {"buttons": [{"title": "B", "action": {"type": "wam", "attributes": {"appId": "x", "name": "n", "wamArgs": {}}}, "colorVariant": "red"}]},
            {"blocks": [], "buttons": [{"title": "B", "action": {"type": "wam", "attributes": {"appId": "x", "name": "n", "wamArgs": {}}}, "colorVariant": "red"}]},
        ),
    ],
)  # fmt: skip
async def test_content_shapes_round_trip(
    api: Api, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    chat = await chat_of(api)
    response = await api.send(chat["id"], body)
    assert response.status_code == 200, response.text
    sent = response.json()["message"]
    content = {key: sent[key] for key in sent if key in (*CONTENT_FIELDS, "plainText")}
    assert content == expected
    assert sent["personId"] == "Bot"  # no botName: the default bot
    [listed] = await all_messages(api, chat["id"])
    assert listed == sent


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "blocks"),
        ({"options": ["silent"]}, "blocks"),
        ({"plainText": ""}, "plainText"),
        ({"blocks": [{"type": "image", "value": "x"}]}, "blocks.0.type"),
        ({"blocks": [{"type": "text", "value": "x", "bold": True}]}, "blocks.0.bold"),
        ({"plainText": "x", "form": {"type": "text"}}, "form"),
        ({"plainText": "x", "buttons": [{"title": f"b{i}", "url": "https://x"} for i in range(3)]}, "buttons"),
        ({"plainText": "x", "buttons": []}, "buttons"),
        ({"plainText": "x", "buttons": [{"title": "no target"}]}, "buttons"),
        ({"plainText": "x", "buttons": [{"title": "t", "action": {"type": "web", "attributes": {}}}]}, "buttons"),
        ({"plainText": "x", "buttons": [{"title": "t", "url": "https://x", "colorVariant": "teal"}]}, "buttons.0.colorVariant"),
        ({"files": [{"id": "f", "name": "n", "size": 1, "bucket": "b"}]}, "files.0.key"),
        ({"files": [{"id": "f", "name": "n", "size": 1, "bucket": "b", "key": "k"}] * 11}, "files"),
        ({"webPage": {"title": "no url"}}, "webPage.url"),
        ({"plainText": "x", "options": ["loud"]}, "options.0"),
        ({"plainText": "x", "options": ["silent", "silent"]}, "options"),
        ({"plainText": "x", "requestId": ""}, "requestId"),
        ({"plainText": "x", "requestId": "r" * 201}, "requestId"),
        ({"plainText": "x" * 20000}, "plainText"),
    ],
)  # fmt: skip
async def test_create_validation(api: Api, body: dict[str, Any], field: str) -> None:
    chat = await chat_of(api)
    errors = error_of(await api.send(chat["id"], body), 422, "unprocessableEntity")
    assert errors[0]["field"] == field, errors
    assert await all_messages(api, chat["id"]) == []


async def test_create_in_an_unknown_chat_is_a_404(api: Api) -> None:
    response = await api.send("no-such-chat", {"plainText": "x"})
    assert error_of(response, 404, "notFound") == [{"message": "UserChat not found"}]


async def test_body_that_is_not_json_is_a_400(api: Api) -> None:
    chat = await chat_of(api)
    response = await api.request(
        "POST",
        f"/user-chats/{chat['id']}/messages",
        content=b'{"plainText": ',
        headers={"content-type": "application/json"},
    )
    error_of(response, 400, "badRequest")


async def test_bot_name_is_validated(api: Api) -> None:
    chat = await chat_of(api)
    response = await api.send(chat["id"], {"plainText": "x"}, botName="b" * 201)
    assert error_of(response, 422, "unprocessableEntity")[0]["field"] == "botName"


class TestRequestId:
    async def test_a_replay_returns_the_first_message(self, api: Api) -> None:
        chat = await chat_of(api)
        body = {"plainText": "once", "requestId": "req-1"}
        first = await api.send(chat["id"], body)
        again = await api.send(chat["id"], body)
        assert first.status_code == again.status_code == 200
        assert again.json() == first.json()
        assert [m["id"] for m in await all_messages(api, chat["id"])] == [
            first.json()["message"]["id"]
        ]

    async def test_the_same_request_id_with_other_content_is_a_409(self, api: Api) -> None:
        chat = await chat_of(api)
        await api.send(chat["id"], {"plainText": "once", "requestId": "req-2"})
        other = await api.send(chat["id"], {"plainText": "twice", "requestId": "req-2"})
        error_of(other, 409, "conflict")
        assert len(await all_messages(api, chat["id"])) == 1

    async def test_request_ids_are_scoped_to_the_chat(self, api: Api) -> None:
        one, two = await chat_of(api, "rid-1"), await chat_of(api, "rid-2")
        body = {"plainText": "hi", "requestId": "req-3"}
        first = (await api.send(one["id"], body)).json()["message"]
        second = (await api.send(two["id"], body)).json()["message"]
        assert first["id"] != second["id"]

    async def test_without_request_id_every_send_is_a_message(self, api: Api) -> None:
        chat = await chat_of(api)
        for _ in range(2):
            await api.send(chat["id"], {"plainText": "same"})
        assert len(await all_messages(api, chat["id"])) == 2

    async def test_twenty_concurrent_identical_requests_make_one_message(self, api: Api) -> None:
        chat = await chat_of(api)
        body = {**RICH, "requestId": "race"}
        responses = await asyncio.gather(*(api.send(chat["id"], body) for _ in range(20)))
        assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
        assert len({r.json()["message"]["id"] for r in responses}) == 1
        listed = await all_messages(api, chat["id"])
        assert len(listed) == 1
        assert listed[0]["requestId"] == "race"
