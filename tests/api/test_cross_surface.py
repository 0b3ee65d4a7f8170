"""One message, five surfaces: whatever surface writes a message, the native API and every
dialect read the same message back — same id, same text, the same core status in each dialect's
words, the same creation and update instants (to the millisecond) and, where a surface shows
tags, the same tags. A status change made through the native API shows in every dialect.

The status words below are the dialects' documented mappings, written out here rather than
imported, so that a change to a dialect's table is caught."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.api.surfaces import (
    BIRD,
    SURFACES,
    Seen,
    Shared,
    Surfaces,
    expect,
    json_api_content,
    make_shared,
    to_millisecond,
)
from tests.conftest import WorkspaceFixture

# Core status -> the word each surface shows for it (None: the surface has no status field).
STATUS_WORDS: dict[str, dict[str, str | None]] = {
    "native": {"accepted": "accepted", "sent": "sent", "delivered": "delivered"},
    # Botpress's Message has no status (id, createdAt, updatedAt, type, payload, direction,
    # userId, conversationId, tags[, origin]); only updatedAt moves with a status change.
    "botpress": {"accepted": None, "sent": None, "delivered": None},
    "bird": {"accepted": "accepted", "sent": "sent", "delivered": "delivered"},
    "recrubo": {"accepted": "accepted", "sent": "sent", "delivered": "delivered"},
    # Channel.io's message state is sending | sent | failed | removed.
    "channelio": {"accepted": "sending", "sent": "sent", "delivered": "sent"},
}
# The tags each writer puts on the core message.
WRITTEN_TAGS: dict[str, dict[str, str]] = {
    "native": {"topic": "cross"},
    "botpress": {"topic": "cross"},
    "bird": {"topic": "true"},  # a Bird tag is a core tag key with the value "true"
    "recrubo": {"recrubo.sendBy": "Recruiter"},  # Recrubo's sendBy, kept as a tag
    "channelio": {},
}


@pytest_asyncio.fixture
async def shared(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> Shared:
    return await make_shared(client, workspace)


@pytest.fixture
def surfaces(client: httpx.AsyncClient, shared: Shared) -> Surfaces:
    return Surfaces(client, shared)


def expected_tags(surface: str, core_tags: dict[str, str]) -> Any:
    """What ``surface`` shows of the core tags: Botpress the map itself, Bird the keys (but
    its own hidden ``bird:`` bookkeeping), Recrubo and Channel.io nothing."""
    if surface in ("native", "botpress"):
        return core_tags
    if surface == "bird":
        return [key for key in core_tags if not key.startswith("bird:")]
    return None


def assert_same_message(surface: str, seen: Seen, truth: Seen, text: str) -> None:
    assert seen.id == truth.id, surface
    assert seen.text == text, surface
    assert truth.status is not None
    assert seen.status == STATUS_WORDS[surface][truth.status], (surface, seen.raw)
    if surface == "botpress":
        assert "status" not in seen.raw
    # Bird, Botpress and Channel.io show milliseconds; Recrubo (and native) microseconds.
    for seen_at, true_at in (
        (seen.created_at, truth.created_at),
        (seen.updated_at, truth.updated_at),
    ):
        assert to_millisecond(seen_at) == to_millisecond(true_at), (surface, seen.raw)
        if surface in ("native", "recrubo"):
            assert seen_at == true_at, (surface, seen.raw)
    assert seen.tags == expected_tags(surface, truth.tags), (surface, seen.raw)


async def read_everywhere(surfaces: Surfaces, message_id: str, text: str) -> Seen:
    """Reads the message through the native API and every dialect; answers the native view
    after checking each dialect's against it."""
    truth = await surfaces.read("native", message_id)
    for surface in SURFACES:
        assert_same_message(surface, await surfaces.read(surface, message_id), truth, text)
    return truth


@pytest.mark.parametrize("writer", SURFACES)
async def test_a_message_written_anywhere_reads_the_same_everywhere(
    surfaces: Surfaces, shared: Shared, writer: str
) -> None:
    text = f"Hello from {writer}"
    message_id = await surfaces.write(writer, text)
    truth = await read_everywhere(surfaces, message_id, text)
    native = truth.raw
    assert native["conversation_id"] == shared.conversation_id
    assert native["channel_id"] == shared.channel_id
    assert native["direction"] == "outgoing"
    assert native["status"] == "accepted"
    assert native["tags"] == WRITTEN_TAGS[writer]


async def test_a_dialects_bookkeeping_tag_shows_as_a_tag_elsewhere(surfaces: Surfaces) -> None:
    """Real behaviour, reported as a gap: Recrubo keeps ``sendBy`` in the core tag
    ``recrubo.sendBy``. Recrubo hides it, but Botpress shows it in ``tags`` and Bird lists it
    as a Bird tag (Bird hides only its own ``bird:`` tags) — mixed case, though Bird's own tags
    are always lower case. The core has no notion of a dialect-private tag to hide it by."""
    message_id = await surfaces.write("recrubo", "Hi from the recruiter")
    assert (await surfaces.read("botpress", message_id)).tags == {"recrubo.sendBy": "Recruiter"}
    assert (await surfaces.read("bird", message_id)).tags == ["recrubo.sendBy"]
    recrubo = await surfaces.read("recrubo", message_id)
    assert recrubo.raw["attributes"]["sendBy"] == "Recruiter"


@pytest.mark.parametrize("writer", SURFACES)
async def test_a_native_status_change_shows_in_every_dialect(
    client: httpx.AsyncClient, surfaces: Surfaces, shared: Shared, writer: str
) -> None:
    text = f"Tracked from {writer}"
    message_id = await surfaces.write(writer, text)
    before = await read_everywhere(surfaces, message_id, text)
    for status in ("sent", "delivered"):
        response = await client.post(
            f"/v1/messages/{message_id}/status",
            json={"status": status},
            headers=shared.workspace.headers,
        )
        changed = expect(response, 200)
        assert (changed["changed"], changed["message"]["status"]) == (True, status)
        truth = await read_everywhere(surfaces, message_id, text)
        assert truth.status == status
        assert truth.created_at == before.created_at
        assert truth.updated_at > before.updated_at  # a status change is an update
        before = truth


async def test_every_surface_lists_the_messages_of_the_others(
    client: httpx.AsyncClient, surfaces: Surfaces, shared: Shared
) -> None:
    """Lists, not just single reads: each surface's listing of the shared conversation holds
    the five messages, one per writer, in the same order."""
    written = [await surfaces.write(writer, f"Listed from {writer}") for writer in SURFACES]
    native = expect(
        await client.get(
            "/v1/messages",
            params={"conversation_id": shared.conversation_id, "order": "asc"},
            headers=shared.workspace.headers,
        ),
        200,
    )
    botpress = expect(
        await client.get(
            "/compat/botpress/v1/chat/messages",
            params={"conversationId": shared.conversation_id},
            headers=surfaces.botpress_headers,
        ),
        200,
    )
    bird = expect(
        await client.get(
            surfaces.bird_messages(), params={"reverse": "true"}, headers=surfaces.bird_headers
        ),
        200,
    )
    recrubo = expect(
        await client.get(
            f"/compat/recrubo/public/v2/message-threads/{shared.conversation_id}",
            params={"include": "messages"},
            headers=surfaces.recrubo_headers,
        ),
        200,
    )
    channelio = expect(
        await client.get(
            f"/compat/channelio/open/v5/user-chats/{shared.conversation_id}/messages",
            params={"sortOrder": "asc"},
            headers=surfaces.channelio_headers,
        ),
        200,
    )
    assert [m["id"] for m in native["data"]] == written
    assert [m["id"] for m in reversed(botpress["messages"])] == written  # newest first
    assert sorted(m["id"] for m in bird["results"]) == sorted(written)
    assert sorted(m["id"] for m in recrubo["included"]) == sorted(written)
    assert [m["id"] for m in channelio["messages"]] == written


async def test_a_channelio_chat_has_no_channel_so_bird_cannot_address_it(
    client: httpx.AsyncClient, surfaces: Surfaces, shared: Shared
) -> None:
    """The one real gap. A user chat made through Channel.io (``POST /users/{id}/user-chats``)
    is a core conversation with no channel — Channel.io has no channels — so its messages have
    ``channel_id`` null. Bird reads a message only under its channel's path, so no
    ``/channels/{ch}/messages/{id}`` reaches it (404 in Bird's shape); Bird's workspace-wide
    list still shows it, with ``channelId`` null. Every other surface reads it by id."""
    chat = expect(
        await client.post(
            f"/compat/channelio/open/v5/users/{shared.contact_id}/user-chats",
            headers=surfaces.channelio_headers,
        ),
        200,
    )["userChat"]
    sent = expect(
        await client.post(
            f"/compat/channelio/open/v5/user-chats/{chat['id']}/messages",
            json={"plainText": "Only a chat"},
            headers=surfaces.channelio_headers,
        ),
        200,
    )["message"]
    truth = await surfaces.read("native", sent["id"])
    assert truth.raw["channel_id"] is None
    assert truth.raw["conversation_id"] == chat["id"]
    for surface in ("botpress", "recrubo"):
        seen = await surfaces.read(surface, sent["id"])
        assert_same_message(surface, seen, truth, "Only a chat")
    missing = await client.get(
        surfaces.bird_messages(tail=f"/{sent['id']}"), headers=surfaces.bird_headers
    )
    assert missing.status_code == 404
    assert set(missing.json()) == {"code", "message", "details"}
    listed = expect(
        await client.get(
            f"{BIRD}/workspaces/{shared.workspace.id}/messages", headers=surfaces.bird_headers
        ),
        200,
    )
    [found] = [m for m in listed["results"] if m["id"] == sent["id"]]
    assert found["channelId"] is None
    assert found["body"] == {"type": "text", "text": {"text": "Only a chat"}}
    assert found["status"] == "accepted"


async def test_recrubo_and_bird_find_the_shared_conversation_by_its_contact(
    client: httpx.AsyncClient, surfaces: Surfaces, shared: Shared
) -> None:
    """Opening a Recrubo thread for the channel and phone number answers the conversation made
    through the native API (200, not a new one), the one a Bird send to that number lands in."""
    body = {
        "data": {
            "type": "messageThreads",
            "attributes": {"channel": "sms", "identifier": shared.phone},
        }
    }
    response = await client.post(
        "/compat/recrubo/public/v2/message-threads",
        content=json_api_content(body),
        headers=surfaces.recrubo_headers,
    )
    thread = expect(response, 200)["data"]
    assert thread["id"] == shared.conversation_id
    assert thread["attributes"]["identifier"] == shared.phone
    message_id = await surfaces.write("bird", "Same thread")
    assert (await surfaces.read("native", message_id)).raw["conversation_id"] == thread["id"]


async def test_a_botpress_conversation_is_readable_everywhere(
    client: httpx.AsyncClient, surfaces: Surfaces, shared: Shared
) -> None:
    """A conversation made through Botpress lives on the integration's own core channel
    (``botpress:<integration>``, sandbox platform): Bird reads its messages under that
    channel, Recrubo by id, Channel.io as a user chat."""
    conversation = expect(
        await client.post(
            "/compat/botpress/v1/chat/conversations",
            json={"channel": "channel", "tags": {}, "integrationName": "telegram"},
            headers=surfaces.botpress_headers,
        ),
        201,
    )["conversation"]
    message = expect(
        await client.post(
            "/v1/messages",
            json={
                "conversation_id": conversation["id"],
                "payload": {"type": "text", "text": "In a bot chat"},
            },
            headers=shared.workspace.headers,
        ),
        201,
    )
    channel = expect(
        await client.get(f"/v1/channels/{message['channel_id']}", headers=shared.workspace.headers),
        200,
    )
    assert (channel["platform"], channel["name"]) == ("sandbox", "botpress:telegram")
    truth = await surfaces.read("native", message["id"])
    for surface in ("botpress", "recrubo"):
        assert_same_message(
            surface, await surfaces.read(surface, message["id"]), truth, "In a bot chat"
        )
    bird = expect(
        await client.get(
            surfaces.bird_messages(channel["id"], f"/{message['id']}"),
            headers=surfaces.bird_headers,
        ),
        200,
    )
    assert bird["body"] == {"type": "text", "text": {"text": "In a bot chat"}}
    listed = await surfaces.channelio_find(conversation["id"], message["id"])
    assert listed is not None
    assert listed["plainText"] == "In a bot chat"
