"""``replyTo`` is Bird's private tag: Bird round-trips it, no other surface shows it, no client
can set or filter by a ``$`` tag, and the ``bird:`` tags written before are still read."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.bird.conftest import Bird, assert_bird_error, text_send, unique_phone


async def send(client: httpx.AsyncClient, bird: Bird, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(bird.ch("sms", "/messages"), json=body, headers=bird.headers)
    assert response.status_code == 202, response.text
    sent: dict[str, Any] = response.json()
    return sent


async def test_reply_to_shows_in_bird_only(client: httpx.AsyncClient, bird: Bird) -> None:
    first = await send(client, bird, text_send(unique_phone()))
    reply = {"id": first["id"], "type": "message"}
    sent = await send(client, bird, text_send(unique_phone(), replyTo=reply, tags=["a"]))
    read = await client.get(bird.ch("sms", f"/messages/{sent['id']}"), headers=bird.headers)
    assert (read.json()["replyTo"], read.json()["tags"]) == (reply, ["a"])
    native = await client.get(f"/v1/messages/{sent['id']}", headers=bird.native)
    assert native.json()["tags"] == {"a": "true"}


async def test_a_private_tag_is_refused_on_send_and_in_filters(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    response = await client.post(
        bird.ch("sms", "/messages"),
        json=text_send(unique_phone(), tags=["$bird:replyTo.id"]),
        headers=bird.headers,
    )
    assert_bird_error(response, 422, "InvalidPayload")
    assert "tags.0" in response.json()["details"]
    for path in (bird.ch("sms", "/messages"), bird.ws("/messages")):
        listed = await client.get(path, params={"tag": "$bird:replyTo.id"}, headers=bird.headers)
        assert_bird_error(listed, 422)
        assert "reserved" in listed.json()["message"]


async def test_the_tags_written_before_private_tags_are_still_read(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    first = await send(client, bird, text_send(unique_phone()))
    response = await client.post(
        "/v1/messages",
        json={
            "conversation_id": (
                await client.get(f"/v1/messages/{first['id']}", headers=bird.native)
            ).json()["conversation_id"],
            "payload": {"type": "text", "text": "old reply"},
            "tags": {"bird:replyTo.id": first["id"], "bird:replyTo.type": "message", "b": "1"},
        },
        headers=bird.native,
    )
    assert response.status_code == 201, response.text
    read = await client.get(
        bird.ch("sms", f"/messages/{response.json()['id']}"), headers=bird.headers
    )
    assert read.json()["replyTo"] == {"id": first["id"], "type": "message"}
    assert read.json()["tags"] == ["b"]
