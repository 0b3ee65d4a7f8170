"""Botpress messages over HTTP: shapes, get-or-create, filters, paging and scheduling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from hubbub.db.models import job
from hubbub.db.uow import Database, Session
from hubbub.kit.clock import ManualClock
from hubbub.messages.service import DELIVER_JOB
from hubbub.messages.service import message as message_service
from tests.api.botpress.conftest import Bot, integration_headers

MESSAGE_KEYS = {
    "id",
    "createdAt",
    "updatedAt",
    "type",
    "payload",
    "direction",
    "userId",
    "conversationId",
    "tags",
}


async def setup(bot: Bot) -> tuple[dict[str, Any], dict[str, Any]]:
    return await bot.user(name="Alice"), await bot.conversation()


async def test_create_answers_201_with_the_exact_message_shape(bot: Bot) -> None:
    user, conversation = await setup(bot)
    body = {
        "payload": {"text": "hello"},
        "userId": user["id"],
        "conversationId": conversation["id"],
        "type": "text",
        "tags": {"a": "1", "empty": ""},
        "origin": "synthetic",
    }
    response = await bot.call("POST", "/messages", json=body)
    assert response.status_code == 201
    message = response.json()["message"]
    assert set(message) == MESSAGE_KEYS | {"origin"}
    assert message["payload"] == {"text": "hello"}
    assert message["tags"] == {"a": "1"}
    assert message["direction"] == "outgoing"
    assert message["userId"] == user["id"]
    assert 28 <= len(message["id"]) <= 36
    assert message["createdAt"].endswith("Z")
    got = await bot.ok("GET", f"/messages/{message['id']}")
    assert got == {"message": message}


async def test_origin_is_omitted_unless_given(bot: Bot) -> None:
    user, conversation = await setup(bot)
    message = await bot.message(conversation["id"], user["id"])
    assert set(message) == MESSAGE_KEYS


async def test_typed_and_custom_payloads_round_trip(bot: Bot) -> None:
    user, conversation = await setup(bot)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("image", {"imageUrl": "https://example.com/a.png"}),
        ("location", {"latitude": 1.5, "longitude": 2.5, "title": "Here"}),
        ("choice", {"text": "Pick", "options": [{"label": "A", "value": "a"}]}),
        ("file", {"fileUrl": "https://example.com/f.pdf", "title": "f.pdf"}),
        ("text", {"text": "with extra", "extra": True}),
        ("card", {"title": "T", "actions": [{"action": "url", "label": "go", "value": "x"}]}),
        ("custom", {"anything": [1, {"b": None}]}),
    ]
    for message_type, payload in cases:
        message = await bot.message(
            conversation["id"], user["id"], type=message_type, payload=payload
        )
        assert (message["type"], message["payload"]) == (message_type, payload)
        fetched = (await bot.ok("GET", f"/messages/{message['id']}"))["message"]
        assert (fetched["type"], fetched["payload"]) == (message_type, payload)


async def test_an_integration_creates_incoming_messages(
    bot: Bot, client: Any, workspace: Any
) -> None:
    user, conversation = await setup(bot)
    body = {
        "payload": {"text": "hi bot"},
        "userId": user["id"],
        "conversationId": conversation["id"],
        "type": "text",
        "tags": {},
    }
    response = await bot.call(
        "POST", "/messages", json=body, headers=integration_headers(workspace)
    )
    assert response.status_code == 201
    assert response.json()["message"]["direction"] == "incoming"
    conversation_now = await bot.ok("GET", f"/conversations/{conversation['id']}")
    assert conversation_now["conversation"]["messageCount"] == 1


async def test_get_or_create_matches_by_discriminating_tags(bot: Bot) -> None:
    user, conversation = await setup(bot)
    body = {
        "payload": {"text": "first"},
        "userId": user["id"],
        "conversationId": conversation["id"],
        "type": "text",
        "tags": {"telegram:id": "42", "extra": "a", "drop": None},
        "discriminateByTags": ["telegram:id"],
    }
    first = await bot.ok("POST", "/messages/get-or-create", json=body)
    assert first["meta"] == {"created": True}
    assert first["message"]["tags"] == {"telegram:id": "42", "extra": "a"}

    again_body = {
        **body,
        "payload": {"text": "second"},
        "tags": {"telegram:id": "42", "extra": None},
    }
    again = await bot.ok("POST", "/messages/get-or-create", json=again_body)
    assert again["meta"] == {"created": False}
    assert again["message"]["id"] == first["message"]["id"]
    assert again["message"]["payload"] == {"text": "second"}
    assert again["message"]["tags"] == {"telegram:id": "42"}

    no_payload = {key: value for key, value in body.items() if key != "payload"}
    found = await bot.ok("POST", "/messages/get-or-create", json=no_payload)
    assert found["meta"]["created"] is False
    assert found["message"]["payload"] == {"text": "second"}


async def test_get_or_create_without_discriminators_needs_every_tag(bot: Bot) -> None:
    user, conversation = await setup(bot)
    base = {
        "payload": {"text": "x"},
        "userId": user["id"],
        "conversationId": conversation["id"],
        "type": "text",
    }
    first = await bot.ok(
        "POST", "/messages/get-or-create", json={**base, "tags": {"a": "1", "b": "2"}}
    )
    same = await bot.ok(
        "POST", "/messages/get-or-create", json={**base, "tags": {"a": "1", "b": "2"}}
    )
    other = await bot.ok(
        "POST", "/messages/get-or-create", json={**base, "tags": {"a": "1", "b": "3"}}
    )
    assert same["message"]["id"] == first["message"]["id"]
    assert other["meta"]["created"] is True
    assert other["message"]["id"] != first["message"]["id"]


async def test_update_patches_tags_and_replaces_the_payload(bot: Bot) -> None:
    user, conversation = await setup(bot)
    message = await bot.message(conversation["id"], user["id"], tags={"keep": "1", "drop": "2"})
    body = {"tags": {"drop": None, "new": "3"}, "payload": {"text": "edited"}}
    updated = (await bot.ok("PUT", f"/messages/{message['id']}", json=body))["message"]
    assert updated["tags"] == {"keep": "1", "new": "3"}
    assert updated["payload"] == {"text": "edited"}
    assert updated["type"] == "text"
    assert updated["updatedAt"] >= message["updatedAt"]
    tags_only = await bot.ok("PUT", f"/messages/{message['id']}", json={"tags": {"keep": ""}})
    assert tags_only["message"]["tags"] == {"new": "3"}
    assert tags_only["message"]["payload"] == {"text": "edited"}


async def test_delete_takes_a_json_body_and_answers_an_empty_object(bot: Bot) -> None:
    user, conversation = await setup(bot)
    message = await bot.message(conversation["id"], user["id"])
    response = await bot.call(
        "DELETE",
        f"/messages/{message['id']}",
        content=b"{}",
        headers={"content-type": "application/json"},
    )
    assert (response.status_code, response.json()) == (200, {})
    assert (await bot.call("GET", f"/messages/{message['id']}")).status_code == 404


async def test_list_pages_to_the_end_newest_first_without_loss_or_repeat(bot: Bot) -> None:
    user, conversation = await setup(bot)
    created = [
        (await bot.message(conversation["id"], user["id"], text=f"m{i}"))["id"] for i in range(7)
    ]
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"conversationId": conversation["id"], "pageSize": 3}
        if token:
            params["nextToken"] = token
        page = await bot.ok("GET", "/messages", params=params)
        seen.extend(message["id"] for message in page["messages"])
        pages += 1
        token = page["meta"].get("nextToken")
        if not token:
            break
    assert pages == 3
    assert seen == list(reversed(created))


async def test_list_filters_by_tags_and_dates(bot: Bot, clock: ManualClock) -> None:
    user, conversation = await setup(bot)
    first = await bot.message(conversation["id"], user["id"], tags={"k": "a", "x:y": "1 2"})
    # createdAt is given to the millisecond: the date filters below tell the two apart by it.
    clock.advance(timedelta(milliseconds=1))
    second = await bot.message(conversation["id"], user["id"], tags={"k": "b"})
    other_conversation = await bot.conversation()
    await bot.message(other_conversation["id"], user["id"], tags={"k": "a", "x:y": "1 2"})

    def ids(page: dict[str, Any]) -> list[str]:
        return [message["id"] for message in page["messages"]]

    in_conversation = {"conversationId": conversation["id"]}
    by_tag = await bot.ok("GET", "/messages", params={**in_conversation, "tags.k": "a"})
    assert ids(by_tag) == [first["id"]]
    by_two = await bot.ok(
        "GET", "/messages", params={**in_conversation, "tags.k": "a", "tags.x:y": "1 2"}
    )
    assert ids(by_two) == [first["id"]]
    none = await bot.ok("GET", "/messages", params={**in_conversation, "tags.k": "zzz"})
    assert none == {"messages": [], "meta": {}}
    inclusive = {
        **in_conversation,
        "afterDate": second["createdAt"],
        "beforeDate": second["createdAt"],
    }
    assert ids(await bot.ok("GET", "/messages", params=inclusive)) == [second["id"]]
    before = {**in_conversation, "beforeDate": first["createdAt"]}
    assert ids(await bot.ok("GET", "/messages", params=before)) == [first["id"]]


async def test_a_scheduled_message_waits_for_its_time(bot: Bot, database: Database) -> None:
    user, conversation = await setup(bot)
    due = datetime.now(UTC) + timedelta(hours=2)
    schedule = {"dateTime": due.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    message = await bot.message(conversation["id"], user["id"], schedule=schedule)
    delayed = await bot.message(conversation["id"], user["id"], schedule={"delay": 60_000})
    async with database.read() as session:
        stored = await message_service.get_or_raise(session, bot.workspace.id, message["id"])
        assert stored.status == "scheduled"
        assert stored.scheduled_for is not None
        assert abs((stored.scheduled_for - due).total_seconds()) < 0.01
        assert await job_times(session, DELIVER_JOB, message["id"]) == [stored.scheduled_for]
        later = await message_service.get_or_raise(session, bot.workspace.id, delayed["id"])
        assert later.status == "scheduled"


async def job_times(session: Session, kind: str, target_id: str) -> list[datetime]:
    rows = await session.conn.execute(
        select(job.c.run_at).where(job.c.kind == kind, job.c.target_id == target_id)
    )
    return list(rows.scalars())
