"""``GET /conversations/{id}/listen`` signals deletions and participant changes in the shapes
of the ``@botpress/chat`` 0.5.5 signal schemas: ``message_deleted`` ``{id, conversationId,
userId}`` for a message the user could see, ``participant_added`` / ``participant_removed``
``{conversationId, participantId}`` for Chat users (not agents), to the listeners of that
conversation only, live and when a stream resumes with ``Last-Event-ID``."""

from __future__ import annotations

from datetime import timedelta

import httpx

from hubbub.api.webchat.listen import Listener, _record_shown
from hubbub.db.uow import Database
from hubbub.kit.clock import utcnow
from hubbub.messages.service import message as message_service
from hubbub.realtime.hub import hub_for
from tests.api.webchat.conftest import Visitor, sent_reply
from tests.api.webchat.signals import Signal, listening
from tests.conftest import WorkspaceFixture


async def test_a_deleted_message_is_signalled_to_its_conversations_listeners_only(
    http: httpx.AsyncClient, workspace: WorkspaceFixture, channel: str
) -> None:
    owner, friend = await together(http, channel)
    conversation_id, elsewhere = await owner.conversation(), await owner.conversation()
    await owner.add(conversation_id, friend)
    async with (
        listening(owner, conversation_id) as owners,
        listening(friend, conversation_id) as friends,
        listening(owner, elsewhere) as other,
    ):
        for reader in (owners, friends, other):
            await reader.connected()
        said = await friend.say(conversation_id, "typo")
        reply = await sent_reply(http, workspace, conversation_id)
        for reader in (owners, friends):
            assert [summary(await reader.next()) for _ in range(2)] == [
                ("message_created", said["id"]),
                ("message_created", reply),
            ]
        await friend.ok("DELETE", f"/messages/{said['id']}")
        await native_delete(http, workspace, reply)
        marker = await owner.say(elsewhere, "marker")

        for reader in (owners, friends):
            deletions = [await reader.next() for _ in range(2)]
            assert [summary(s) for s in deletions] == [
                ("message_deleted", {"id": said["id"], "conversationId": conversation_id}),
                ("message_deleted", {"id": reply, "conversationId": conversation_id}),
            ]
            assert deletions[0].data["userId"] == friend.id  # its author
            assert deletions[1].data["userId"] == "bot"
        # The other conversation's stream got none of it: its first signal is its own.
        assert summary(await other.next()) == ("message_created", marker["id"])


async def test_a_message_deleted_before_it_went_out_is_not_signalled(
    http: httpx.AsyncClient, workspace: WorkspaceFixture, channel: str
) -> None:
    owner = await Visitor(http, channel).join()
    conversation_id = await owner.conversation()
    async with listening(owner, conversation_id) as reader:
        await reader.connected()
        tomorrow = (utcnow() + timedelta(days=1)).isoformat()
        body = {
            "conversation_id": conversation_id,
            "payload": {"type": "text", "text": "later"},
            "scheduled_for": tomorrow,
        }
        scheduled = await http.post("/v1/messages", json=body, headers=workspace.headers)
        assert scheduled.status_code == 201, scheduled.text
        await native_delete(http, workspace, scheduled.json()["id"])
        marker = await owner.say(conversation_id, "marker")
        assert summary(await reader.next()) == ("message_created", marker["id"])


async def test_participant_changes_are_signalled_to_its_conversations_listeners_only(
    http: httpx.AsyncClient, workspace: WorkspaceFixture, channel: str
) -> None:
    owner, friend = await together(http, channel)
    conversation_id, elsewhere = await owner.conversation(), await owner.conversation()
    path = participants(conversation_id)
    async with (
        listening(owner, conversation_id) as owners,
        listening(owner, elsewhere) as other,
    ):
        await owners.connected()
        await other.connected()
        await owner.ok("POST", path, json={"userId": friend.id})
        await owner.ok("POST", path, json={"userId": friend.id})  # no change, no signal
        await add_agent(http, workspace, conversation_id)  # not a Chat user: no signal
        await owner.ok("DELETE", f"{path}/{friend.id}")
        marker = await owner.say(conversation_id, "marker")
        elsewhere_marker = await owner.say(elsewhere, "marker")

        change = {"conversationId": conversation_id, "participantId": friend.id}
        signals = [await owners.next() for _ in range(3)]
        assert [(s.type, s.data) for s in signals[:2]] == [
            ("participant_added", change),
            ("participant_removed", change),
        ]
        assert summary(signals[2]) == ("message_created", marker["id"])
        assert summary(await other.next()) == ("message_created", elsewhere_marker["id"])


async def test_a_user_who_deletes_himself_leaves_with_a_signal(
    http: httpx.AsyncClient, channel: str
) -> None:
    owner, friend = await together(http, channel)
    conversation_id = await owner.conversation()
    await owner.add(conversation_id, friend)
    async with listening(owner, conversation_id) as reader:
        await reader.connected()
        await friend.ok("DELETE", "/users/me")
        signal = await reader.next()
    assert (signal.type, signal.data) == (
        "participant_removed",
        {"conversationId": conversation_id, "participantId": friend.id},
    )


async def test_a_resumed_stream_gets_the_changes_it_missed(
    http: httpx.AsyncClient, channel: str
) -> None:
    owner, friend = await together(http, channel)
    conversation_id = await owner.conversation()
    async with listening(owner, conversation_id) as reader:
        await reader.connected()
        seen = await owner.say(conversation_id, "seen")
        last = await reader.next()
        assert last.data["id"] == seen["id"]
    await owner.add(conversation_id, friend)
    missed = await friend.say(conversation_id, "missed")
    await friend.ok("DELETE", f"/messages/{missed['id']}")

    async with listening(owner, conversation_id, **{"Last-Event-ID": str(last.id)}) as reader:
        signals = [await reader.next() for _ in range(3)]
    assert [s.type for s in signals] == ["participant_added", "message_created", "message_deleted"]
    assert signals[0].data == {"conversationId": conversation_id, "participantId": friend.id}
    assert signals[2].data == {
        "id": missed["id"],
        "conversationId": conversation_id,
        "userId": friend.id,
    }
    assert signals[0].id < signals[1].id < signals[2].id


async def test_a_message_deleted_right_after_it_was_shown_leaves_the_stream_alone(
    client: httpx.AsyncClient, database: Database, workspace: WorkspaceFixture, visitor: Visitor
) -> None:
    """Once a stream has written a sent message it records ``delivered``; the message may be
    gone by then, which must not break the stream (it used to raise NotFound through it)."""
    conversation_id = await visitor.conversation()
    reply = await sent_reply(client, workspace, conversation_id)
    async with database.read() as session:
        shown = await message_service.get_or_raise(session, workspace.id, reply)
    await native_delete(client, workspace, reply)
    listener = Listener(
        database=database,
        hub=hub_for(database),
        workspace_id=workspace.id,
        conversation_id=conversation_id,
        contact_id=visitor.id,
        keepalive_seconds=1.0,
    )
    await _record_shown(listener, shown)
    async with database.read() as session:
        assert await message_service.get(session, workspace.id, reply) is None


# -- helpers -----------------------------------------------------------------------------------


async def together(http: httpx.AsyncClient, channel: str) -> tuple[Visitor, Visitor]:
    return await Visitor(http, channel).join(), await Visitor(http, channel).join()


def participants(conversation_id: str) -> str:
    return f"/conversations/{conversation_id}/participants"


def summary(signal: Signal) -> tuple[str, object]:
    """The signal's type and what names it; a deletion's data whole but its ``userId``."""
    if signal.type == "message_deleted":
        assert set(signal.data) == {"id", "conversationId", "userId"}, signal.data
        return signal.type, {k: v for k, v in signal.data.items() if k != "userId"}
    return signal.type, signal.data["id"]


async def native_delete(
    http: httpx.AsyncClient, workspace: WorkspaceFixture, message_id: str
) -> None:
    deleted = await http.delete(f"/v1/messages/{message_id}", headers=workspace.headers)
    assert deleted.status_code == 204, deleted.text


async def add_agent(
    http: httpx.AsyncClient, workspace: WorkspaceFixture, conversation_id: str
) -> None:
    agent = await http.post(
        "/v1/contacts",
        json={"name": "Agent", "identifiers": [{"key": "email", "value": "agent@example.com"}]},
        headers=workspace.headers,
    )
    assert agent.status_code == 201, agent.text
    joined = await http.post(
        f"/v1/conversations/{conversation_id}/participants",
        json={"contact_id": agent.json()["id"], "role": "agent"},
        headers=workspace.headers,
    )
    assert joined.status_code == 201, joined.text
