"""``sendBy`` is Recrubo's private tag: Recrubo round-trips it, no other surface shows it, no
client can set, remove or filter by it, and the tag the dialect wrote before is still read."""

from __future__ import annotations

from typing import Any

from tests.api.recrubo.conftest import Recrubo, only_error, text

PRIVATE = "$recrubo:sendBy"


async def native_message(recrubo: Recrubo, message_id: str) -> dict[str, Any]:
    response = await recrubo.client.get(
        f"/v1/messages/{message_id}", headers=recrubo.workspace.headers
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_send_by_round_trips_and_shows_nowhere_else(recrubo: Recrubo) -> None:
    thread_id = await recrubo.thread("sms", "+31600000091")
    sent = await recrubo.sent(thread_id, text("hi"), sendBy="Recruiter")
    assert sent["attributes"]["sendBy"] == "Recruiter"
    assert (await native_message(recrubo, sent["id"]))["tags"] == {}
    patched = await recrubo.patch(
        f"/messages/{sent['id']}",
        {"data": {"type": "messages", "id": sent["id"], "attributes": {"sendBy": "Boss"}}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["attributes"]["sendBy"] == "Boss"
    assert (await native_message(recrubo, sent["id"]))["tags"] == {}
    listed = (await recrubo.get("/messages", **{"filter[sendBy]": "Boss"})).json()["data"]
    assert [m["id"] for m in listed] == [sent["id"]]


async def test_a_native_patch_cannot_touch_send_by(recrubo: Recrubo) -> None:
    thread_id = await recrubo.thread("sms", "+31600000092")
    sent = await recrubo.sent(thread_id, text("hi"), sendBy="Recruiter")
    path = f"/v1/messages/{sent['id']}"
    headers = recrubo.workspace.headers
    for tags in ({PRIVATE: "Mallory"}, {PRIVATE: None}):
        refused = await recrubo.client.patch(path, json={"tags": tags}, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"]["field"] == "tags"
    allowed = await recrubo.client.patch(path, json={"tags": {"topic": "x"}}, headers=headers)
    assert allowed.json()["tags"] == {"topic": "x"}
    again = (await recrubo.get(f"/messages/{sent['id']}")).json()["data"]
    assert again["attributes"]["sendBy"] == "Recruiter"


async def test_recrubo_takes_no_tags_and_no_private_filter(recrubo: Recrubo) -> None:
    """Recrubo documents have no tags at all: a ``tags`` member is refused like any unknown
    member (422, pointer), and a filter on the private key like any unknown filter (400)."""
    thread_id = await recrubo.thread("sms", "+31600000093")
    response = await recrubo.send(thread_id, text("hi"), sendBy="X", tags={PRIVATE: "Y"})
    assert response.status_code == 422
    assert only_error(response)["source"] == {"pointer": "/data/attributes/tags"}
    filtered = await recrubo.get("/messages", **{f"filter[{PRIVATE}]": "Y"})
    assert filtered.status_code == 400
    assert only_error(filtered)["source"] == {"parameter": f"filter[{PRIVATE}]"}


async def test_the_tag_written_before_private_tags_is_still_read(recrubo: Recrubo) -> None:
    thread_id = await recrubo.thread("sms", "+31600000094")
    response = await recrubo.client.post(
        "/v1/messages",
        json={
            "conversation_id": thread_id,
            "payload": {"type": "text", "text": "old"},
            "tags": {"recrubo.sendBy": "Old Recruiter"},
        },
        headers=recrubo.workspace.headers,
    )
    assert response.status_code == 201, response.text
    seen = (await recrubo.get(f"/messages/{response.json()['id']}")).json()["data"]
    assert seen["attributes"]["sendBy"] == "Old Recruiter"
