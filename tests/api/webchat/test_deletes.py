"""Deletes through the end-user API: the user himself (his key stops working), a conversation he
takes part in (its messages go with it), and a message he wrote (and only one he wrote). Each
answers ``{}`` like Botpress, with or without the ``{}`` body the Chat client sends."""

from __future__ import annotations

import httpx

from tests.api.webchat.conftest import Visitor, chat_error, sent_reply
from tests.conftest import WorkspaceFixture


async def test_a_deleted_user_is_gone_and_his_key_stops_working(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, channel_id: str, visitor: Visitor
) -> None:
    friend = await Visitor(client, channel_id).join()
    conversation_id = await visitor.conversation()
    await visitor.add(conversation_id, friend)
    said = await friend.say(conversation_id, "bye")

    assert await friend.ok("DELETE", "/users/me", json={}) == {}
    for method, path in (("GET", "/users/me"), ("DELETE", "/users/me"), ("GET", "/conversations")):
        chat_error(await friend.call(method, path), 401, "Unauthorized")
    contact = await client.get(f"/v1/contacts/{friend.id}", headers=workspace.headers)
    assert contact.status_code == 404
    # He left the conversation; what he wrote stays in its history.
    listed = await visitor.ok("GET", f"/conversations/{conversation_id}/participants")
    assert [p["id"] for p in listed["participants"]] == [visitor.id]
    messages = await visitor.ok("GET", f"/conversations/{conversation_id}/messages")
    assert [m["id"] for m in messages["messages"]] == [said["id"]]
    # Other users are untouched.
    assert (await visitor.ok("GET", "/users/me"))["user"] == visitor.user


async def test_a_participant_deletes_a_conversation_with_its_messages(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    kept = await visitor.conversation()
    said = await visitor.say(conversation_id, "delete me")
    reply = await sent_reply(client, workspace, conversation_id)

    assert await visitor.ok("DELETE", f"/conversations/{conversation_id}") == {}
    chat_error(
        await visitor.call("GET", f"/conversations/{conversation_id}"), 404, "ResourceNotFound"
    )
    chat_error(
        await visitor.call("DELETE", f"/conversations/{conversation_id}"), 404, "ResourceNotFound"
    )
    for message_id in (said["id"], reply):
        chat_error(await visitor.call("GET", f"/messages/{message_id}"), 404, "ResourceNotFound")
        native = await client.get(f"/v1/messages/{message_id}", headers=workspace.headers)
        assert native.status_code == 404
    native = await client.get(f"/v1/conversations/{conversation_id}", headers=workspace.headers)
    assert native.status_code == 404
    listed = await visitor.ok("GET", "/conversations")
    assert [c["id"] for c in listed["conversations"]] == [kept]
    events = await client.get(
        "/v1/events", params={"conversation_id": conversation_id}, headers=workspace.headers
    )
    assert events.json()["data"][-1]["type"] == "conversation.deleted"


async def test_the_author_deletes_his_message(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    first = await visitor.say(conversation_id, "typo")
    second = await visitor.say(conversation_id, "fixed")

    assert await visitor.ok("DELETE", f"/messages/{first['id']}", json={}) == {}
    chat_error(await visitor.call("GET", f"/messages/{first['id']}"), 404, "ResourceNotFound")
    chat_error(await visitor.call("DELETE", f"/messages/{first['id']}"), 404, "ResourceNotFound")
    listed = await visitor.ok("GET", f"/conversations/{conversation_id}/messages")
    assert [m["id"] for m in listed["messages"]] == [second["id"]]
    native = await client.get(f"/v1/messages/{first['id']}", headers=workspace.headers)
    assert native.status_code == 404
    conversation = await client.get(
        f"/v1/conversations/{conversation_id}", headers=workspace.headers
    )
    assert conversation.json()["message_count"] == 1
    events = await client.get(
        "/v1/events", params={"conversation_id": conversation_id}, headers=workspace.headers
    )
    deleted = [e for e in events.json()["data"] if e["type"] == "message.deleted"]
    assert [e["message_id"] for e in deleted] == [first["id"]]


async def test_a_message_the_user_did_not_write_is_not_his_to_delete(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, channel_id: str, visitor: Visitor
) -> None:
    friend = await Visitor(client, channel_id).join()
    conversation_id = await visitor.conversation()
    await visitor.add(conversation_id, friend)
    friends = await friend.say(conversation_id, "mine")
    reply = await sent_reply(client, workspace, conversation_id)

    for message_id in (friends["id"], reply):
        error = chat_error(
            await visitor.call("DELETE", f"/messages/{message_id}"), 403, "Forbidden"
        )
        assert "author" in error["message"]
        assert (await visitor.ok("GET", f"/messages/{message_id}"))["message"]["id"] == message_id
    # A message not yet sent to him is not even his to see.
    unsent = await client.post(
        "/v1/messages",
        json={"conversation_id": conversation_id, "payload": {"type": "text", "text": "later"}},
        headers=workspace.headers,
    )
    chat_error(
        await visitor.call("DELETE", f"/messages/{unsent.json()['id']}"), 404, "ResourceNotFound"
    )
    assert (await native_status(client, workspace, unsent.json()["id"])) == 200


async def native_status(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, message_id: str
) -> int:
    response = await client.get(f"/v1/messages/{message_id}", headers=workspace.headers)
    return response.status_code
