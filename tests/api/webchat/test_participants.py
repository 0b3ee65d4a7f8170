"""Participants through the end-user API: a participant lists, adds, reads and removes the
users of his conversation; only users of the same channel can be added, the owner cannot be
removed, agents are not Chat users, and the list pages with ``nextToken``."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.webchat.conftest import Visitor, chat_error, make_channel
from tests.conftest import WorkspaceFixture


async def native_participants(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, conversation_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/v1/conversations/{conversation_id}/participants", headers=workspace.headers
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


async def test_a_participant_adds_lists_reads_and_removes_a_user(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, channel_id: str, visitor: Visitor
) -> None:
    friend = await Visitor(client, channel_id).join(name="Friend")
    conversation_id = await visitor.conversation()
    path = f"/conversations/{conversation_id}/participants"

    # Not a participant yet: the conversation is as absent to him as any other.
    chat_error(
        await friend.call("POST", "/messages", json=_text(conversation_id)), 404, "ResourceNotFound"
    )
    added = await visitor.ok("POST", path, json={"userId": friend.id})
    assert added == {"participant": friend.user}
    roles = {
        p["contact_id"]: p["role"]
        for p in await native_participants(client, workspace, conversation_id)
    }
    assert roles == {visitor.id: "contact", friend.id: "contact"}

    # Now he takes part: he writes, lists and reads, as the owner does.
    await friend.say(conversation_id, "hi all")
    for member in (visitor, friend):
        listed = await member.ok("GET", path)
        assert listed == {"participants": [visitor.user, friend.user], "meta": {}}
        got = await member.ok("GET", f"{path}/{friend.id}")
        assert got == {"participant": friend.user}

    # Adding him again changes nothing.
    assert await visitor.ok("POST", path, json={"userId": friend.id}) == added
    assert len(await native_participants(client, workspace, conversation_id)) == 2

    removed = await visitor.ok("DELETE", f"{path}/{friend.id}", json={})
    assert removed == {}
    assert [
        p["contact_id"] for p in await native_participants(client, workspace, conversation_id)
    ] == [visitor.id]
    chat_error(await visitor.call("GET", f"{path}/{friend.id}"), 404, "ResourceNotFound")
    chat_error(await visitor.call("DELETE", f"{path}/{friend.id}"), 404, "ResourceNotFound")
    chat_error(
        await friend.call("GET", f"/conversations/{conversation_id}"), 404, "ResourceNotFound"
    )
    chat_error(
        await friend.call("POST", "/messages", json=_text(conversation_id)), 404, "ResourceNotFound"
    )


async def test_a_participant_may_leave_but_the_owner_cannot_be_removed(
    client: httpx.AsyncClient, channel_id: str, visitor: Visitor
) -> None:
    friend = await Visitor(client, channel_id).join()
    conversation_id = await visitor.conversation()
    path = f"/conversations/{conversation_id}/participants"
    await visitor.ok("POST", path, json={"userId": friend.id})

    for who in (visitor, friend):
        error = chat_error(await who.call("DELETE", f"{path}/{visitor.id}"), 400, "InvalidPayload")
        assert error["metadata"]["field"] == "userId"
    assert await friend.ok("DELETE", f"{path}/{friend.id}") == {}
    listed = await visitor.ok("GET", path)
    assert [p["id"] for p in listed["participants"]] == [visitor.id]


async def test_only_users_of_the_same_channel_can_be_added(
    client: httpx.AsyncClient,
    workspace: WorkspaceFixture,
    other_workspace: WorkspaceFixture,
    channel_id: str,
    visitor: Visitor,
) -> None:
    conversation_id = await visitor.conversation()
    path = f"/conversations/{conversation_id}/participants"
    other_channel_user = await Visitor(client, await make_channel(client, workspace)).join()
    foreign_user = await Visitor(client, await make_channel(client, other_workspace)).join()
    contact = await client.post(
        "/v1/contacts",
        json={"name": "SMS", "identifiers": [{"key": "phone", "value": "+15145550100"}]},
        headers=workspace.headers,
    )
    assert contact.status_code == 201, contact.text
    for user_id in (other_channel_user.id, foreign_user.id, contact.json()["id"], "no-such-user"):
        error = chat_error(
            await visitor.call("POST", path, json={"userId": user_id}), 404, "ResourceNotFound"
        )
        assert error["metadata"] == {"resource": "user", "id": user_id}
    assert [
        p["contact_id"] for p in await native_participants(client, workspace, conversation_id)
    ] == [visitor.id]


async def test_agents_taking_part_are_not_chat_participants(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    agent = await client.post(
        "/v1/contacts",
        json={"name": "Agent", "identifiers": [{"key": "email", "value": "agent@example.com"}]},
        headers=workspace.headers,
    )
    agent_id = agent.json()["id"]
    joined = await client.post(
        f"/v1/conversations/{conversation_id}/participants",
        json={"contact_id": agent_id, "role": "agent"},
        headers=workspace.headers,
    )
    assert joined.status_code == 201, joined.text
    path = f"/conversations/{conversation_id}/participants"
    listed = await visitor.ok("GET", path)
    assert [p["id"] for p in listed["participants"]] == [visitor.id]
    chat_error(await visitor.call("GET", f"{path}/{agent_id}"), 404, "ResourceNotFound")
    chat_error(await visitor.call("DELETE", f"{path}/{agent_id}"), 404, "ResourceNotFound")
    assert len(await native_participants(client, workspace, conversation_id)) == 2


async def test_participants_are_paged_with_next_token(
    client: httpx.AsyncClient, channel_id: str, visitor: Visitor
) -> None:
    conversation_id = await visitor.conversation()
    path = f"/conversations/{conversation_id}/participants"
    joined = [visitor.id]
    for _ in range(51):
        other = await Visitor(client, channel_id).join()
        await visitor.ok("POST", path, json={"userId": other.id})
        joined.append(other.id)

    first = await visitor.ok("GET", path)
    assert len(first["participants"]) == 50
    token = first["meta"]["nextToken"]
    second = await visitor.ok("GET", path, params={"nextToken": token})
    assert second["meta"] == {}
    assert [p["id"] for p in first["participants"] + second["participants"]] == joined

    # A token of another list (newest first) or a garbled one is an invalid query.
    conversations_token = await _conversations_token(visitor)
    for bad in ("not-a-token", conversations_token):
        error = chat_error(
            await visitor.call("GET", path, params={"nextToken": bad}), 400, "InvalidQuery"
        )
        assert error["metadata"]["field"] == "nextToken"


async def test_pages_never_skip_or_repeat_anyone_as_people_come_and_go(
    client: httpx.AsyncClient, workspace: WorkspaceFixture, channel_id: str
) -> None:
    """Sixty users who joined at the same instant (the conversation was created with them):
    their ids order them. Between two pages, the last one shown and one not yet shown leave
    and a newcomer joins: the second page holds exactly everyone after the first, newcomer
    last."""
    users = [await Visitor(client, channel_id).join() for _ in range(60)]
    created = await client.post(
        "/v1/conversations",
        json={"channel_id": channel_id, "participant_ids": [u.id for u in users]},
        headers=workspace.headers,
    )
    assert created.status_code == 201, created.text
    path = f"/conversations/{created.json()['id']}/participants"
    joined = sorted(u.id for u in users)
    reader = next(u for u in users if u.id == joined[0])  # the owner: never removed

    first = await reader.ok("GET", path)
    assert [p["id"] for p in first["participants"]] == joined[:50]
    for leaving in (joined[49], joined[55]):
        await reader.ok("DELETE", f"{path}/{leaving}")
    newcomer = await Visitor(client, channel_id).join()
    await reader.ok("POST", path, json={"userId": newcomer.id})
    second = await reader.ok("GET", path, params={"nextToken": first["meta"]["nextToken"]})

    rest = [user_id for user_id in joined[50:] if user_id != joined[55]]
    assert [p["id"] for p in second["participants"]] == [*rest, newcomer.id]
    assert second["meta"] == {}


async def test_invalid_participant_bodies_are_refused(visitor: Visitor) -> None:
    conversation_id = await visitor.conversation()
    path = f"/conversations/{conversation_id}/participants"
    for body in ({}, {"userId": ""}, {"userId": visitor.id, "role": "agent"}, {"userId": 42}):
        chat_error(await visitor.call("POST", path, json=body), 400, "InvalidPayload")


async def _conversations_token(visitor: Visitor) -> str:
    """A ``nextToken`` of the conversations list: 51 conversations make two pages."""
    for _ in range(51):
        await visitor.conversation()
    listed = await visitor.ok("GET", "/conversations")
    token: str = listed["meta"]["nextToken"]
    return token


def _text(conversation_id: str) -> dict[str, Any]:
    return {"conversationId": conversation_id, "payload": {"type": "text", "text": "hello"}}
