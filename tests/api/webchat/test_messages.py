"""Conversations and messages through the end-user API: what the user writes is an incoming
core message authored by him, payloads map both ways, outgoing messages show once sent, the
read acknowledgement drives the core status, and every invalid body answers in the Chat
error shape."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.webchat.conftest import Visitor, chat_error
from tests.conftest import WorkspaceFixture


async def native_message(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, message_id: str
) -> dict[str, Any]:
    response = await client.get(f"/v1/messages/{message_id}", headers=workspace.headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def send_outgoing(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, conversation_id: str, text: str
) -> str:
    body = {"conversation_id": conversation_id, "payload": {"type": "text", "text": text}}
    response = await client.post("/v1/messages", json=body, headers=workspace.headers)
    assert response.status_code == 201, response.text
    message_id: str = response.json()["id"]
    return message_id


async def set_status(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, message_id: str, status: str
) -> None:
    response = await client.post(
        f"/v1/messages/{message_id}/status", json={"status": status}, headers=workspace.headers
    )
    assert response.status_code == 200, response.text


async def test_a_conversation_is_the_users_own(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    created = await visitor.ok("POST", "/conversations", 201)
    conversation = created["conversation"]
    assert set(conversation) == {"id", "createdAt", "updatedAt"}

    native = (
        await client.get(f"/v1/conversations/{conversation['id']}", headers=workspace.headers)
    ).json()
    assert native["channel_id"] == visitor.channel_id
    participants = await client.get(
        f"/v1/conversations/{conversation['id']}/participants", headers=workspace.headers
    )
    assert [p["contact_id"] for p in participants.json()["data"]] == [visitor.id]

    assert await visitor.ok("GET", f"/conversations/{conversation['id']}") == created
    listed = await visitor.ok("GET", "/conversations")
    assert listed == {"conversations": [conversation], "meta": {}}
    again = await visitor.ok(
        "POST", "/conversations/get-or-create", json={"id": conversation["id"]}
    )
    assert again == created


async def test_a_users_message_is_an_incoming_core_message(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    body = {
        "conversationId": conversation_id,
        "payload": {"type": "text", "text": "hello there"},
        "metadata": {"page": "/pricing"},
    }
    created = (await visitor.ok("POST", "/messages", 201, json=body))["message"]
    assert created["userId"] == visitor.id
    assert created["conversationId"] == conversation_id
    assert created["payload"] == {"type": "text", "text": "hello there"}
    assert created["metadata"] == {"page": "/pricing"}

    listed = await client.get(
        "/v1/messages", params={"conversation_id": conversation_id}, headers=workspace.headers
    )
    [native] = listed.json()["data"]
    assert native["id"] == created["id"]
    assert native["direction"] == "incoming"
    assert native["author"] == {"type": "contact", "id": visitor.id}
    assert native["channel_id"] == visitor.channel_id
    assert native["text"] == "hello there"
    assert native["tags"] == {"page": "/pricing"}
    assert await visitor.ok("GET", f"/messages/{created['id']}") == {"message": created}


PAYLOADS: list[tuple[dict[str, Any], str]] = [
    ({"type": "markdown", "markdown": "**hi**"}, "markdown"),
    ({"type": "image", "imageUrl": "https://example.com/a.png"}, "image"),
    ({"type": "audio", "audioUrl": "https://example.com/a.mp3"}, "audio"),
    ({"type": "video", "videoUrl": "https://example.com/a.mp4"}, "video"),
    ({"type": "file", "fileUrl": "https://example.com/a.pdf", "title": "a.pdf"}, "file"),
    ({"type": "location", "latitude": 45.5, "longitude": -73.6, "title": "Home"}, "location"),
    (
        {
            "type": "card",
            "title": "Plan",
            "imageUrl": "https://example.com/p.png",
            "actions": [{"action": "postback", "label": "Buy", "value": "buy"}],
        },
        "card",
    ),
    ({"type": "carousel", "items": [{"title": "One", "actions": []}]}, "carousel"),
    ({"type": "choice", "text": "Pick", "options": [{"label": "A", "value": "a"}]}, "choice"),
    ({"type": "dropdown", "text": "Pick", "options": [{"label": "B", "value": "b"}]}, "dropdown"),
    ({"type": "bloc", "items": [{"type": "text", "text": "x"}]}, "bloc"),
]


@pytest.mark.parametrize(("payload", "core_type"), PAYLOADS)
async def test_chat_payloads_map_to_core_types_and_back(
    client: httpx.AsyncClient,
    workspace: WorkspaceFixture,
    visitor: Visitor,
    payload: dict[str, Any],
    core_type: str,
) -> None:
    conversation_id = await visitor.conversation()
    body = {"conversationId": conversation_id, "payload": payload}
    created = (await visitor.ok("POST", "/messages", 201, json=body))["message"]
    assert created["payload"] == payload
    assert (await native_message(client, workspace, created["id"]))["type"] == core_type
    assert (await visitor.ok("GET", f"/messages/{created['id']}"))["message"] == created


async def test_core_payloads_without_a_chat_type_reach_the_user_as_text(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    body = {
        "conversation_id": conversation_id,
        "payload": {"type": "template", "name": "welcome", "variables": ["Ada"]},
    }
    response = await client.post("/v1/messages", json=body, headers=workspace.headers)
    assert response.status_code == 201, response.text
    await set_status(client, workspace, response.json()["id"], "sent")
    shown = (await visitor.ok("GET", f"/messages/{response.json()['id']}"))["message"]
    assert shown["payload"] == {"type": "text", "text": "welcome\nAda"}
    assert shown["userId"] == "bot"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "sticker", "stickerId": "1"}, "payload"),
        ({"type": "text"}, "text"),
        ({"type": "text", "text": ""}, "text"),
        ({"type": "text", "text": "x", "color": "red"}, "color"),
        ({"type": "image", "imageUrl": ""}, "imageUrl"),
        ({"type": "location", "latitude": 91, "longitude": 0}, "latitude"),
        ({"type": "carousel", "items": []}, "items"),
        ({"type": "bloc", "items": [{"type": "card", "title": "x", "actions": []}]}, "items"),
        ("just text", "payload"),
    ],
)
async def test_invalid_payloads_are_refused(visitor: Visitor, payload: Any, field: str) -> None:
    conversation_id = await visitor.conversation()
    response = await visitor.call(
        "POST", "/messages", json={"conversationId": conversation_id, "payload": payload}
    )
    error = chat_error(response, 400, "InvalidPayload")
    assert field in error["message"] + str(error.get("metadata"))


@pytest.mark.parametrize(
    "body",
    [
        {"payload": {"type": "text", "text": "x"}},
        {"conversationId": "", "payload": {"type": "text", "text": "x"}},
        {"conversationId": "c", "payload": {"type": "text", "text": "x"}, "metadata": {"n": 1}},
        {"conversationId": "c", "payload": {"type": "text", "text": "x"}, "extra": True},
    ],
)
async def test_invalid_message_bodies_are_refused(visitor: Visitor, body: dict[str, Any]) -> None:
    chat_error(await visitor.call("POST", "/messages", json=body), 400, "InvalidPayload")


async def test_a_body_that_is_not_json_is_refused(visitor: Visitor) -> None:
    response = await visitor.call(
        "POST", "/messages", content=b"{nope", headers={"content-type": "application/json"}
    )
    chat_error(response, 400, "InvalidPayload")


async def test_conversation_ids_are_chosen_by_hubbub(visitor: Visitor) -> None:
    error = chat_error(
        await visitor.call("POST", "/conversations", json={"id": "mine"}), 400, "InvalidPayload"
    )
    assert error["metadata"]["field"] == "id"
    chat_error(
        await visitor.call("POST", "/conversations/get-or-create", json={"id": "nope"}),
        404,
        "ResourceNotFound",
    )


async def test_outgoing_messages_show_once_sent_and_the_ack_makes_them_read(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    mine = await visitor.say(conversation_id, "anyone there?")
    reply = await send_outgoing(client, workspace, conversation_id, "yes, how can I help?")

    # Not sent yet (no worker runs here): not the user's to see.
    chat_error(await visitor.call("GET", f"/messages/{reply}"), 404, "ResourceNotFound")
    chat_error(await visitor.call("POST", f"/messages/{reply}/read"), 404, "ResourceNotFound")
    listed = await visitor.ok("GET", f"/conversations/{conversation_id}/messages")
    assert [m["id"] for m in listed["messages"]] == [mine["id"]]

    await set_status(client, workspace, reply, "sent")
    shown = (await visitor.ok("GET", f"/messages/{reply}"))["message"]
    assert shown["payload"] == {"type": "text", "text": "yes, how can I help?"}
    assert shown["userId"] == "bot"
    listed = await visitor.ok("GET", f"/conversations/{conversation_id}/messages")
    assert [m["id"] for m in listed["messages"]] == [reply, mine["id"]]  # newest first

    acked = await visitor.ok("POST", f"/messages/{reply}/read")
    assert acked == {"message": shown, "status": "read"}
    assert (await native_message(client, workspace, reply))["status"] == "read"
    interactions = await client.get(f"/v1/messages/{reply}/interactions", headers=workspace.headers)
    # Read implies delivered: the history has both, in order.
    assert [i["type"] for i in interactions.json()["data"]] == ["read", "delivered", "sent"]

    # Acknowledging again changes nothing, and a late "delivered" does not undo it.
    assert (await visitor.ok("POST", f"/messages/{reply}/read"))["status"] == "read"
    await set_status(client, workspace, reply, "delivered")
    assert (await native_message(client, workspace, reply))["status"] == "read"


async def test_only_messages_to_the_user_can_be_acknowledged(visitor: Visitor) -> None:
    conversation_id = await visitor.conversation()
    mine = await visitor.say(conversation_id, "my own words")
    error = chat_error(
        await visitor.call("POST", f"/messages/{mine['id']}/read"), 400, "InvalidPayload"
    )
    assert error["metadata"]["field"] == "message_id"


async def test_messages_are_paged_with_next_token(visitor: Visitor) -> None:
    conversation_id = await visitor.conversation()
    said = [(await visitor.say(conversation_id, f"line {i}"))["id"] for i in range(52)]
    first = await visitor.ok("GET", f"/conversations/{conversation_id}/messages")
    assert len(first["messages"]) == 50
    token = first["meta"]["nextToken"]
    second = await visitor.ok(
        "GET", f"/conversations/{conversation_id}/messages", params={"nextToken": token}
    )
    assert second["meta"] == {}
    seen = [m["id"] for m in first["messages"] + second["messages"]]
    assert seen == list(reversed(said))


async def test_a_garbled_next_token_is_an_invalid_query(visitor: Visitor) -> None:
    conversation_id = await visitor.conversation()
    for path in ("/conversations", f"/conversations/{conversation_id}/messages"):
        response = await visitor.call("GET", path, params={"nextToken": "not-a-token"})
        error = chat_error(response, 400, "InvalidQuery")
        assert error["metadata"]["field"] == "nextToken"


async def test_listen_checks_the_key_the_conversation_and_the_resume_point(
    client: httpx.AsyncClient, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    path = f"/conversations/{conversation_id}/listen"
    chat_error(await client.get(f"/webchat/{visitor.channel_id}{path}"), 401, "Unauthorized")
    chat_error(await visitor.call("GET", "/conversations/nope/listen"), 404, "ResourceNotFound")
    for bad in ("abc", "-1", "²", "9" * 30):
        header = bad.encode("latin-1")  # as the bytes arrive; the server reads latin-1
        response = await visitor.call("GET", path, headers={"Last-Event-ID": header})
        error = chat_error(response, 400, "InvalidPayload")
        assert error["metadata"]["field"] == "Last-Event-ID"
