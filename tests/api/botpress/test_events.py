"""Botpress custom events over HTTP: create, schedule, get, list, cancel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hubbub.bot_events.service import FIRE_JOB
from hubbub.db.models import job
from hubbub.db.uow import Database
from tests.api.botpress.conftest import Bot, botpress_error

EVENT_KEYS = {"id", "createdAt", "type", "payload", "status", "failureReason"}


async def test_create_answers_201_with_the_event_shape(bot: Bot) -> None:
    response = await bot.call("POST", "/events", json={"type": "ping", "payload": {"a": [1]}})
    assert response.status_code == 201
    event = response.json()["event"]
    assert set(event) == EVENT_KEYS
    assert (event["status"], event["failureReason"], event["payload"]) == (
        "pending",
        None,
        {"a": [1]},
    )
    assert await bot.ok("GET", f"/events/{event['id']}") == {"event": event}


async def test_links_must_exist(bot: Bot) -> None:
    user = await bot.user()
    conversation = await bot.conversation()
    message = await bot.message(conversation["id"], user["id"])
    links = {"conversationId": conversation["id"], "userId": user["id"], "messageId": message["id"]}
    event = await bot.ok("POST", "/events", 201, json={"type": "t", "payload": {}, **links})
    assert {key: event["event"][key] for key in links} == links
    missing = "00000000-0000-7000-8000-000000000000"
    for key in links:
        response = await bot.call(
            "POST", "/events", json={"type": "t", "payload": {}, key: missing}
        )
        botpress_error(response, 404, "ResourceNotFound")


async def test_a_scheduled_event_has_a_fire_job_and_can_be_canceled(
    bot: Bot, database: Database
) -> None:
    body = {"type": "later", "payload": {}, "schedule": {"dateTime": "2099-01-01T00:00:00.000Z"}}
    event = (await bot.ok("POST", "/events", 201, json=body))["event"]
    assert event["status"] == "scheduled"
    async with database.read() as session:
        rows = await session.conn.execute(
            select(job.c.run_at, job.c.workspace_id).where(
                job.c.kind == FIRE_JOB, job.c.target_id == event["id"]
            )
        )
        [(run_at, workspace_id)] = rows.all()
    assert run_at.year == 2099
    assert workspace_id == bot.workspace.id

    assert await bot.ok("DELETE", f"/events/scheduled/{event['id']}", json={}) == {}
    assert (await bot.ok("GET", f"/events/{event['id']}"))["event"]["status"] == "canceled"
    again = await bot.call("DELETE", f"/events/scheduled/{event['id']}")
    botpress_error(again, 404, "ResourceNotFound")


async def test_only_a_scheduled_event_can_be_canceled(bot: Bot) -> None:
    event = (await bot.ok("POST", "/events", 201, json={"type": "now", "payload": {}}))["event"]
    response = await bot.call("DELETE", f"/events/scheduled/{event['id']}")
    botpress_error(response, 404, "ResourceNotFound")
    assert (await bot.ok("GET", f"/events/{event['id']}"))["event"]["status"] == "pending"


async def test_a_past_schedule_is_pending_at_once(bot: Bot) -> None:
    body = {"type": "t", "payload": {}, "schedule": {"dateTime": "2001-01-01T00:00:00.000Z"}}
    event = (await bot.ok("POST", "/events", 201, json=body))["event"]
    assert event["status"] == "pending"


async def test_list_filters_and_pages(bot: Bot) -> None:
    user = await bot.user()
    conversation = await bot.conversation()
    kind = f"kind-{user['id']}"
    created: list[dict[str, Any]] = []
    for index in range(5):
        body: dict[str, Any] = {"type": kind, "payload": {"i": index}}
        if index % 2:
            body["conversationId"] = conversation["id"]
        if index == 4:
            body["userId"] = user["id"]
            body["schedule"] = {"delay": 3_600_000}
        created.append((await bot.ok("POST", "/events", 201, json=body))["event"])

    async def listed(**params: Any) -> list[int]:
        seen: list[int] = []
        token = None
        while True:
            query = {"type": kind, "pageSize": "2", **params}
            if token:
                query["nextToken"] = token
            page = await bot.ok("GET", "/events", params=query)
            seen.extend(event["payload"]["i"] for event in page["events"])
            token = page["meta"].get("nextToken")
            if not token:
                return seen

    assert await listed() == [4, 3, 2, 1, 0]
    assert await listed(conversationId=conversation["id"]) == [3, 1]
    assert await listed(userId=user["id"]) == [4]
    assert await listed(status="scheduled") == [4]
    assert await listed(status="pending") == [3, 2, 1, 0]
    assert await listed(type="other") == []
