"""Isolation: a user reaches only his own conversations, their messages, participants and
custom events, on his own channel; a conversation of the same channel without him, or of
another channel or workspace, is as absent as one that does not exist, to every route (reads,
writes and deletes alike), and nothing he tries there changes anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.api.webchat.conftest import (
    Visitor,
    chat_error,
    custom_bot_event,
    make_channel,
    sent_reply,
)
from tests.conftest import WorkspaceFixture


@dataclass(frozen=True)
class Target:
    """Someone else's conversation, with a participant, a message and a custom event in it."""

    workspace: WorkspaceFixture
    conversation_id: str
    member_id: str
    message_id: str
    event_id: str


async def target(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, conversation_id: str, member_id: str
) -> Target:
    reply = await sent_reply(client, workspace, conversation_id)
    event = await custom_bot_event(client, workspace, conversation_id)
    return Target(workspace, conversation_id, member_id, reply, event["id"])


async def assert_out_of_reach(client: httpx.AsyncClient, user: Visitor, aim: Target) -> None:
    """Every route that names the conversation, its participant, message or event answers 404
    to ``user``, and the conversation is as it was."""
    conversation = f"/conversations/{aim.conversation_id}"
    participant = f"{conversation}/participants/{aim.member_id}"
    text = {"type": "text", "text": "hi"}
    attempts: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", conversation, None),
        ("GET", f"{conversation}/messages", None),
        ("GET", f"{conversation}/listen", None),
        ("POST", "/conversations/get-or-create", {"id": aim.conversation_id}),
        ("GET", f"{conversation}/participants", None),
        ("POST", f"{conversation}/participants", {"userId": user.id}),
        ("GET", participant, None),
        ("DELETE", participant, {}),
        ("POST", "/messages", {"conversationId": aim.conversation_id, "payload": text}),
        ("GET", f"/messages/{aim.message_id}", None),
        ("POST", f"/messages/{aim.message_id}/read", None),
        ("DELETE", f"/messages/{aim.message_id}", {}),
        ("POST", "/events", {"conversationId": aim.conversation_id, "payload": {}}),
        ("GET", f"/events/{aim.event_id}", None),
        ("DELETE", conversation, {}),
    ]
    for method, path, body in attempts:
        response = await user.call(method, path, json=body)
        chat_error(response, 404, "ResourceNotFound")
    listed = await user.ok("GET", "/conversations")
    assert aim.conversation_id not in [c["id"] for c in listed["conversations"]]
    await assert_untouched(client, aim)


async def assert_untouched(client: httpx.AsyncClient, aim: Target) -> None:
    headers = aim.workspace.headers
    base = f"/v1/conversations/{aim.conversation_id}"
    participants = await client.get(f"{base}/participants", headers=headers)
    assert [p["contact_id"] for p in participants.json()["data"]] == [aim.member_id]
    messages = await client.get(
        "/v1/messages", params={"conversation_id": aim.conversation_id}, headers=headers
    )
    assert [(m["id"], m["status"]) for m in messages.json()["data"]] == [(aim.message_id, "sent")]
    log = await client.get(
        "/v1/events", params={"conversation_id": aim.conversation_id}, headers=headers
    )
    bot_events = [e for e in log.json()["data"] if e["type"] == "bot_event.created"]
    assert [e["data"]["bot_event"]["id"] for e in bot_events] == [aim.event_id]


async def test_a_user_cannot_reach_another_users_conversation(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, channel_id: str, visitor: Visitor
) -> None:
    intruder = await Visitor(client, channel_id).join()
    conversation_id = await visitor.conversation()
    aim = await target(client, workspace, conversation_id, visitor.id)
    await assert_out_of_reach(client, intruder, aim)

    # The owner still reaches everything.
    reply = aim.message_id
    assert (await visitor.ok("GET", f"/messages/{reply}"))["message"]["id"] == reply
    listed = await visitor.ok("GET", f"/conversations/{conversation_id}/messages")
    assert [m["id"] for m in listed["messages"]] == [reply]
    assert (await visitor.ok("GET", f"/events/{aim.event_id}"))["event"]["id"] == aim.event_id
    members = await visitor.ok("GET", f"/conversations/{conversation_id}/participants")
    assert members == {"participants": [visitor.user], "meta": {}}


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
    aim = await target(client, workspace, conversation_id, visitor.id)
    await assert_out_of_reach(client, visitor, aim)


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
    aim = await target(client, other_workspace, conversation_id, foreigner.id)
    await assert_out_of_reach(client, visitor, aim)


async def test_a_key_works_on_its_own_channel_only(
    client: httpx.AsyncClient,
    workspace: WorkspaceFixture,
    other_workspace: WorkspaceFixture,
    visitor: Visitor,
) -> None:
    """On a channel of the same or of another workspace, the key of a user (even one whose id
    is the foreign conversation's participant's) is refused by every route: 401, no change."""
    for owner in (workspace, other_workspace):
        foreign_channel = await make_channel(client, owner)
        foreigner = await Visitor(client, foreign_channel).join()
        conversation_id = await foreigner.conversation()
        aim = await target(client, owner, conversation_id, foreigner.id)
        wrong_key = Visitor(client, foreign_channel)
        wrong_key.key, wrong_key.user = visitor.key, visitor.user
        for method, path, body in [
            ("GET", "/users/me", None),
            ("DELETE", "/users/me", {}),
            ("GET", f"/conversations/{conversation_id}/participants", None),
            ("POST", f"/conversations/{conversation_id}/participants", {"userId": visitor.id}),
            ("DELETE", f"/conversations/{conversation_id}/participants/{foreigner.id}", {}),
            ("DELETE", f"/messages/{aim.message_id}", {}),
            ("POST", "/events", {"conversationId": conversation_id, "payload": {}}),
            ("GET", f"/events/{aim.event_id}", None),
            ("DELETE", f"/conversations/{conversation_id}", {}),
        ]:
            chat_error(await wrong_key.call(method, path, json=body), 401, "Unauthorized")
        await assert_untouched(client, aim)
    assert (await visitor.ok("GET", "/users/me"))["user"] == visitor.user
