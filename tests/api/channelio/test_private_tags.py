"""Channel.io-only message parts travel in Channel.io's private tag: Channel.io round-trips
them, no other surface shows them, no client may send a ``$`` tag, and the tag written before
private tags existed is still read. User chats live on the workspace's web chat channel."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.channelio.conftest import Api, error_of


async def native(api: Api, path: str, **params: Any) -> Any:
    response = await api.client.get(path, params=params, headers=api.workspace.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_extras_round_trip_and_show_nowhere_else(api: Api) -> None:
    user = await api.upsert_user("m-extras")
    chat = await api.create_chat(user["id"])
    response = await api.send(chat["id"], {"plainText": "quiet", "options": ["doNotPost"]})
    assert response.status_code == 200, response.text
    sent = response.json()["message"]
    assert sent["options"] == ["doNotPost"]
    assert (await native(api, f"/v1/messages/{sent['id']}"))["tags"] == {}
    listed = await api.request(
        "GET", f"/user-chats/{chat['id']}/messages", params={"sortOrder": "asc"}
    )
    assert listed.json()["messages"][0]["options"] == ["doNotPost"]


async def test_a_private_user_tag_is_refused(api: Api) -> None:
    response = await api.request("PUT", "/users/@m-private", json={"tags": ["vip", "$x:y"]})
    [entry] = error_of(response, 422, "unprocessableEntity")
    assert "reserved" in entry["message"]


async def test_the_tag_written_before_private_tags_is_still_read(api: Api) -> None:
    user = await api.upsert_user("m-legacy")
    chat = await api.create_chat(user["id"])
    response = await api.client.post(
        "/v1/messages",
        json={
            "conversation_id": chat["id"],
            "payload": {"type": "text", "text": "old"},
            "tags": {"channelio.extras": '{"options":["doNotPost"]}'},
        },
        headers=api.workspace.headers,
    )
    assert response.status_code == 201, response.text
    listed = await api.request(
        "GET", f"/user-chats/{chat['id']}/messages", params={"sortOrder": "asc"}
    )
    assert listed.json()["messages"][0]["options"] == ["doNotPost"]


async def test_user_chats_live_on_one_webchat_channel_made_on_first_use(api: Api) -> None:
    users = [await api.upsert_user(f"m-chat-{n}") for n in range(4)]
    chats = await asyncio.gather(*(api.create_chat(user["id"]) for user in users))
    channel_ids = {
        (await native(api, f"/v1/conversations/{chat['id']}"))["channel_id"] for chat in chats
    }
    webchats = (await native(api, "/v1/channels", platform="webchat"))["data"]
    assert [(c["name"], c["platform"]) for c in webchats] == [("Channel.io", "webchat")]
    assert channel_ids == {webchats[0]["id"]}
