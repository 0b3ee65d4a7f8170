"""Isolation: a user reaches only his own conversations and messages, on his own channel; a
conversation of the same channel without him, or of another channel, is as absent as one that
does not exist."""

from __future__ import annotations

import httpx

from tests.api.webchat.conftest import Visitor, chat_error, make_channel
from tests.conftest import WorkspaceFixture


async def assert_out_of_reach(user: Visitor, conversation_id: str, message_id: str) -> None:
    """Every route that names the conversation or the message answers 404 to ``user``."""
    attempts = [
        ("GET", f"/conversations/{conversation_id}", None),
        ("GET", f"/conversations/{conversation_id}/messages", None),
        ("GET", f"/conversations/{conversation_id}/listen", None),
        ("POST", "/conversations/get-or-create", {"id": conversation_id}),
        (
            "POST",
            "/messages",
            {"conversationId": conversation_id, "payload": {"type": "text", "text": "hi"}},
        ),
        ("GET", f"/messages/{message_id}", None),
        ("POST", f"/messages/{message_id}/read", None),
    ]
    for method, path, body in attempts:
        response = await user.call(method, path, json=body)
        chat_error(response, 404, "ResourceNotFound")
    listed = await user.ok("GET", "/conversations")
    assert conversation_id not in [c["id"] for c in listed["conversations"]]


async def sent_reply(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, conversation_id: str
) -> str:
    body = {"conversation_id": conversation_id, "payload": {"type": "text", "text": "reply"}}
    created = await client.post("/v1/messages", json=body, headers=workspace.headers)
    assert created.status_code == 201, created.text
    message_id: str = created.json()["id"]
    moved = await client.post(
        f"/v1/messages/{message_id}/status", json={"status": "sent"}, headers=workspace.headers
    )
    assert moved.status_code == 200, moved.text
    return message_id


async def test_a_user_cannot_reach_another_users_conversation(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, channel_id: str, visitor: Visitor
) -> None:
    intruder = await Visitor(client, channel_id).join()
    conversation_id = await visitor.conversation()
    reply = await sent_reply(client, workspace, conversation_id)
    await assert_out_of_reach(intruder, conversation_id, reply)

    # Nothing the intruder tried left a trace, and the owner still reaches everything.
    assert (await visitor.ok("GET", f"/messages/{reply}"))["message"]["id"] == reply
    listed = await visitor.ok("GET", f"/conversations/{conversation_id}/messages")
    assert [m["id"] for m in listed["messages"]] == [reply]
    status = await client.get(f"/v1/messages/{reply}", headers=workspace.headers)
    assert status.json()["status"] == "sent"


async def test_a_conversation_of_another_channel_is_out_of_reach_even_with_the_user_in_it(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    other_channel = await make_channel(client, workspace)
    created = await client.post(
        "/v1/conversations",
        json={"channel_id": other_channel, "participant_ids": [visitor.id]},
        headers=workspace.headers,
    )
    assert created.status_code == 201, created.text
    conversation_id = created.json()["id"]
    reply = await sent_reply(client, workspace, conversation_id)
    await assert_out_of_reach(visitor, conversation_id, reply)


async def test_the_same_channel_id_in_another_workspace_is_not_a_way_in(
    client: httpx.AsyncClient,
    workspace: WorkspaceFixture,
    other_workspace: WorkspaceFixture,
    visitor: Visitor,
) -> None:
    """A conversation of another workspace is unreachable even to a key that names its id."""
    foreign_channel = await make_channel(client, other_workspace)
    foreigner = await Visitor(client, foreign_channel).join()
    conversation_id = await foreigner.conversation()
    reply = await sent_reply(client, other_workspace, conversation_id)
    await assert_out_of_reach(visitor, conversation_id, reply)
    chat_error(
        await client.get(f"/webchat/{foreign_channel}/users/me", headers=visitor.headers),
        401,
        "Unauthorized",
    )
