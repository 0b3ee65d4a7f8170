"""One message, five surfaces: whatever surface writes a message, the native API and every
dialect read the same message back — same id, same text, the same core status in each dialect's
words, the same creation and update instants (to the millisecond) and, where a surface shows
tags, the same tags. A status change made through the native API shows in every dialect.

The status words below are the dialects' documented mappings, written out here rather than
imported, so that a change to a dialect's table is caught."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from tests.api.surfaces import (
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
    "recrubo": {},  # Recrubo's sendBy is Recrubo's private tag: no surface shows it as a tag
    "channelio": {},
}


@pytest_asyncio.fixture
async def shared(client: httpx.AsyncClient, workspace: WorkspaceFixture) -> Shared:
    return await make_shared(client, workspace)


@pytest.fixture
def surfaces(client: httpx.AsyncClient, shared: Shared) -> Surfaces:
    return Surfaces(client, shared)


def expected_tags(surface: str, core_tags: dict[str, str]) -> Any:
    """What ``surface`` shows of the (public) core tags: Botpress the map itself, Bird the
    keys, Recrubo and Channel.io nothing."""
    if surface in ("native", "botpress"):
        return core_tags
    if surface == "bird":
        return list(core_tags)
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


PRIVATE_MARKS = ("$recrubo:", "$bird:", "$channelio:", "recrubo.sendBy", "bird:", "channelio.")


async def assert_no_private_tag_anywhere(
    surfaces: Surfaces, message_id: str, public: dict[str, str] | None = None
) -> None:
    """No surface shows a dialect's private tag: not as a tag, not anywhere in its answer;
    the writer's ``public`` tags show as before."""
    public = public or {}
    assert (await surfaces.read("native", message_id)).tags == public
    assert (await surfaces.read("botpress", message_id)).tags == public
    assert (await surfaces.read("bird", message_id)).tags == list(public)
    for surface in SURFACES:
        raw = await surfaces.read_raw(surface, message_id)
        assert not [mark for mark in PRIVATE_MARKS if mark in raw], (surface, raw)


async def test_recrubos_send_by_is_private_to_recrubo(surfaces: Surfaces) -> None:
    message_id = await surfaces.write("recrubo", "Hi from the recruiter")
    await assert_no_private_tag_anywhere(surfaces, message_id)
    recrubo = await surfaces.read("recrubo", message_id)
    assert recrubo.raw["attributes"]["sendBy"] == "Recruiter"


async def test_birds_reply_to_is_private_to_bird(surfaces: Surfaces) -> None:
    first = await surfaces.write("native", "Question")
    message_id = await surfaces.write_bird("Answer", reply_to=first)
    await assert_no_private_tag_anywhere(surfaces, message_id, WRITTEN_TAGS["bird"])
    bird = await surfaces.read("bird", message_id)
    assert bird.raw["replyTo"] == {"id": first, "type": "message"}
    assert bird.tags == ["topic"]  # the client's own Bird tag still shows


async def test_channelios_extras_are_private_to_channelio(surfaces: Surfaces) -> None:
    message_id = await surfaces.write_channelio("Quiet note", options=["doNotPost"])
    await assert_no_private_tag_anywhere(surfaces, message_id)
    channelio = await surfaces.read("channelio", message_id)
    assert channelio.raw["options"] == ["doNotPost"]


async def test_the_event_log_carries_no_private_tag(
    client: httpx.AsyncClient, surfaces: Surfaces, shared: Shared
) -> None:
    """Webhooks and realtime streams replay the event log: it must not leak them either."""
    written = [
        await surfaces.write("recrubo", "Logged"),
        await surfaces.write_channelio("Logged", options=["doNotPost"]),
    ]
    events = expect(
        await client.get(
            "/v1/events",
            params={"type": "message.created", "limit": 500},
            headers=shared.workspace.headers,
        ),
        200,
    )["data"]
    logged = [e["data"]["message"] for e in events if e["message_id"] in written]
    assert [m["id"] for m in logged] == written
    assert all(m["tags"] == {} for m in logged)
    assert not [mark for mark in PRIVATE_MARKS if mark in orjson.dumps(events).decode()]


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


async def test_a_channelio_chat_lives_on_the_webchat_channel(
    client: httpx.AsyncClient, surfaces: Surfaces, shared: Shared
) -> None:
    """A user chat made through Channel.io (``POST /users/{id}/user-chats``) is a conversation
    on the workspace's web chat channel (Channel.io is a live chat; one named "Channel.io" is
    made on first use), so Bird lists and reads its messages under that channel and the native
    API finds them by ``channel_id``."""
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
    channel_id = truth.raw["channel_id"]
    channel = expect(
        await client.get(f"/v1/channels/{channel_id}", headers=shared.workspace.headers), 200
    )
    assert (channel["platform"], channel["name"]) == ("webchat", "Channel.io")
    assert truth.raw["conversation_id"] == chat["id"]
    for surface in ("botpress", "recrubo"):
        seen = await surfaces.read(surface, sent["id"])
        assert_same_message(surface, seen, truth, "Only a chat")
    listed = expect(
        await client.get(surfaces.bird_messages(channel_id), headers=surfaces.bird_headers), 200
    )
    assert [m["id"] for m in listed["results"]] == [sent["id"]]
    assert listed["results"][0]["channelId"] == channel_id
    bird = expect(
        await client.get(
            surfaces.bird_messages(channel_id, f"/{sent['id']}"), headers=surfaces.bird_headers
        ),
        200,
    )
    assert bird["body"] == {"type": "text", "text": {"text": "Only a chat"}}
    native = expect(
        await client.get(
            "/v1/messages", params={"channel_id": channel_id}, headers=shared.workspace.headers
        ),
        200,
    )
    assert [m["id"] for m in native["data"]] == [sent["id"]]


async def test_every_channelio_chat_shares_the_oldest_webchat_channel(
    client: httpx.AsyncClient, surfaces: Surfaces, shared: Shared
) -> None:
    """An existing web chat channel is used rather than a new one: the oldest by creation."""
    headers = shared.workspace.headers
    oldest = expect(
        await client.post(
            "/v1/channels", json={"platform": "webchat", "name": "site"}, headers=headers
        ),
        201,
    )
    expect(
        await client.post(
            "/v1/channels", json={"platform": "webchat", "name": "app"}, headers=headers
        ),
        201,
    )
    chats = [
        expect(
            await client.post(
                f"/compat/channelio/open/v5/users/{shared.contact_id}/user-chats",
                headers=surfaces.channelio_headers,
            ),
            200,
        )["userChat"]
        for _ in range(2)
    ]
    for chat in chats:
        found = expect(await client.get(f"/v1/conversations/{chat['id']}", headers=headers), 200)
        assert found["channel_id"] == oldest["id"]
    webchats = expect(
        await client.get("/v1/channels", params={"platform": "webchat"}, headers=headers), 200
    )
    assert len(webchats["data"]) == 2  # none was added


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


# Requests whose tags, tag patch, tag filter or discriminator name a private (``$``) key:
# (surface, method, path, json body, query). ``{conversation}``/``{message}``/``{contact}``
# stand for the shared conversation, a message in it and its contact.
PRIVATE_KEY = "$recrubo:sendBy"
REFUSED_REQUESTS: list[tuple[str, str, str, Any, dict[str, str]]] = [
    (
        "native",
        "POST",
        "/v1/messages",
        {
            "conversation_id": "{conversation}",
            "payload": {"type": "text", "text": "x"},
            "tags": {PRIVATE_KEY: "Mallory"},
        },
        {},
    ),
    (
        "native",
        "POST",
        "/v1/messages/get-or-create",
        {
            "conversation_id": "{conversation}",
            "payload": {"type": "text", "text": "x"},
            "tags": {"topic": "a"},
            "discriminate_by_tags": [PRIVATE_KEY],
        },
        {},
    ),
    ("native", "PATCH", "/v1/messages/{message}", {"tags": {PRIVATE_KEY: None}}, {}),
    ("native", "GET", "/v1/messages", None, {"tag": f"{PRIVATE_KEY}=Recruiter"}),
    ("native", "POST", "/v1/conversations", {"tags": {PRIVATE_KEY: "x"}}, {}),
    ("native", "PATCH", "/v1/conversations/{conversation}", {"tags": {PRIVATE_KEY: "x"}}, {}),
    ("native", "GET", "/v1/conversations", None, {"tag": PRIVATE_KEY}),
    ("native", "POST", "/v1/contacts", {"tags": {PRIVATE_KEY: "x"}}, {}),
    ("native", "PATCH", "/v1/contacts/{contact}", {"tags": {PRIVATE_KEY: "x"}}, {}),
    ("native", "GET", "/v1/contacts", None, {"tag": PRIVATE_KEY}),
    (
        "botpress",
        "POST",
        "/compat/botpress/v1/chat/messages",
        {
            "conversationId": "{conversation}",
            "userId": "{contact}",
            "type": "text",
            "payload": {"text": "x"},
            "tags": {PRIVATE_KEY: "Mallory"},
        },
        {},
    ),
    (
        "botpress",
        "PUT",
        "/compat/botpress/v1/chat/messages/{message}",
        {"tags": {PRIVATE_KEY: ""}},
        {},
    ),
    (
        "botpress",
        "GET",
        "/compat/botpress/v1/chat/messages",
        None,
        {"conversationId": "{conversation}", f"tags.{PRIVATE_KEY}": "Recruiter"},
    ),
    ("botpress", "POST", "/compat/botpress/v1/chat/users", {"tags": {PRIVATE_KEY: "x"}}, {}),
    (
        "botpress",
        "POST",
        "/compat/botpress/v1/chat/conversations",
        {"channel": "channel", "tags": {PRIVATE_KEY: "x"}},
        {},
    ),
]


def _bound(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names) if value.startswith("{") or "/{" in value else value
    if isinstance(value, dict):
        return {_bound(k, names): _bound(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_bound(item, names) for item in value]
    return value


def assert_refused_in_surface_shape(surface: str, response: httpx.Response) -> None:
    body = response.json()
    if surface == "native":
        assert response.status_code == 422, response.text
        assert body["error"]["code"] == "unprocessable"
        assert body["error"]["details"]["field"] in ("tags", "tag", "discriminate_by_tags")
        assert body["error"]["details"]["key"] == PRIVATE_KEY
    else:  # Botpress: every refused payload or filter is a 400 InvalidPayload
        assert response.status_code == 400, response.text
        assert (body["code"], body["type"]) == (400, "InvalidPayload")
        assert body["metadata"]["key"] == PRIVATE_KEY


@pytest.mark.parametrize(
    ("surface", "method", "path", "body", "params"),
    REFUSED_REQUESTS,
    ids=[
        f"{s}-{m}-{p.rsplit('/', 1)[-1]}-{i}" for i, (s, m, p, _, _) in enumerate(REFUSED_REQUESTS)
    ],
)
async def test_no_client_sets_removes_or_filters_by_a_private_tag(
    client: httpx.AsyncClient,
    surfaces: Surfaces,
    shared: Shared,
    surface: str,
    method: str,
    path: str,
    body: Any,
    params: dict[str, str],
) -> None:
    """Bird, Recrubo and Channel.io have their own tests (in their test packages); the native
    API and Botpress share the core's rule, answered in each one's error shape."""
    message_id = await surfaces.write("recrubo", "Private")
    names = {
        "conversation": shared.conversation_id,
        "message": message_id,
        "contact": shared.contact_id,
    }
    headers = surfaces.native_headers if surface == "native" else surfaces.botpress_headers
    response = await client.request(
        method,
        _bound(path, names),
        json=_bound(body, names),
        params=_bound(params, names),
        headers=headers,
    )
    assert_refused_in_surface_shape(surface, response)
    recrubo = await surfaces.read("recrubo", message_id)
    assert recrubo.raw["attributes"]["sendBy"] == "Recruiter"  # the private tag is untouched


async def test_client_patches_leave_private_tags_untouched(
    client: httpx.AsyncClient, surfaces: Surfaces, shared: Shared
) -> None:
    message_id = await surfaces.write("recrubo", "Patched elsewhere")
    native = expect(
        await client.patch(
            f"/v1/messages/{message_id}",
            json={"tags": {"topic": "n"}},
            headers=surfaces.native_headers,
        ),
        200,
    )
    assert native["tags"] == {"topic": "n"}
    botpress = expect(
        await client.put(
            f"/compat/botpress/v1/chat/messages/{message_id}",
            json={"tags": {"topic": "", "other": "b"}},
            headers=surfaces.botpress_headers,
        ),
        200,
    )
    assert botpress["message"]["tags"] == {"other": "b"}
    recrubo = await surfaces.read("recrubo", message_id)
    assert recrubo.raw["attributes"]["sendBy"] == "Recruiter"
