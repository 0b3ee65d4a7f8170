"""Custom events through the end-user API: a user's ``POST /events`` is a core bot event of type
``webchat:custom`` that the bot reads through the Botpress runtime API, and the participants
read back with ``GET /events/{id}``; other bot events stay the bot's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.webchat.conftest import Visitor, chat_error, custom_bot_event
from tests.conftest import WorkspaceFixture

RUNTIME = "/compat/botpress/v1/chat"


def bot_headers(workspace: WorkspaceFixture) -> dict[str, str]:
    return {"Authorization": f"Bearer {workspace.token}", "x-bot-id": workspace.id}


async def test_a_custom_event_is_a_bot_event_the_bot_reads(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, channel_id: str, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    body = {"conversationId": conversation_id, "payload": {"clicked": "pricing", "n": [1, 2]}}
    created = await visitor.ok("POST", "/events", 201, json=body)
    event = created["event"]
    assert set(event) == {"id", "createdAt", "payload", "conversationId", "userId"}
    assert event["payload"] == {"clicked": "pricing", "n": [1, 2]}
    assert event["conversationId"] == conversation_id
    assert event["userId"] == visitor.id
    assert event["createdAt"].endswith("Z")
    assert await visitor.ok("GET", f"/events/{event['id']}") == created

    seen = await client.get(f"{RUNTIME}/events/{event['id']}", headers=bot_headers(workspace))
    assert seen.status_code == 200, seen.text
    assert seen.json()["event"]["type"] == "webchat:custom"
    assert seen.json()["event"]["userId"] == visitor.id
    assert seen.json()["event"]["status"] == "pending"
    log = await client.get(
        "/v1/events", params={"conversation_id": conversation_id}, headers=workspace.headers
    )
    recorded = [e for e in log.json()["data"] if e["type"] == "bot_event.created"]
    assert [e["data"]["bot_event"]["id"] for e in recorded] == [event["id"]]

    # Every participant reads it.
    friend = await Visitor(client, channel_id).join()
    chat_error(await friend.call("GET", f"/events/{event['id']}"), 404, "ResourceNotFound")
    path = f"/conversations/{conversation_id}/participants"
    await visitor.ok("POST", path, json={"userId": friend.id})
    assert await friend.ok("GET", f"/events/{event['id']}") == created


async def test_only_chat_custom_events_are_the_users_to_read(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    internal = await custom_bot_event(
        client, workspace, conversation_id, event_type="crm:lookup", payload={"secret": 1}
    )
    error = chat_error(
        await visitor.call("GET", f"/events/{internal['id']}"), 404, "ResourceNotFound"
    )
    assert error["metadata"] == {"resource": "event", "id": internal["id"]}

    shown = await custom_bot_event(client, workspace, conversation_id, payload={"open": "form"})
    got = (await visitor.ok("GET", f"/events/{shown['id']}"))["event"]
    assert got["userId"] == "bot"
    assert got["payload"] == {"open": "form"}
    chat_error(await visitor.call("GET", "/events/no-such-event"), 404, "ResourceNotFound")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"payload": {}}, "conversationId"),
        ({"conversationId": "c"}, "payload"),
        ({"conversationId": "c", "payload": "text"}, "payload"),
        ({"conversationId": "c", "payload": [1]}, "payload"),
        ({"conversationId": "", "payload": {}}, "conversationId"),
        ({"conversationId": "c", "payload": {}, "type": "mine"}, "type"),
    ],
)
async def test_invalid_event_bodies_are_refused(
    visitor: Visitor, body: dict[str, Any], field: str
) -> None:
    error = chat_error(await visitor.call("POST", "/events", json=body), 400, "InvalidPayload")
    assert field in error["message"] + str(error.get("metadata"))


async def test_an_event_needs_a_conversation_of_the_user(visitor: Visitor) -> None:
    body = {"conversationId": "no-such-conversation", "payload": {}}
    chat_error(await visitor.call("POST", "/events", json=body), 404, "ResourceNotFound")
