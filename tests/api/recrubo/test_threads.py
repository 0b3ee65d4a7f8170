"""Recrubo message threads: a conversation on the workspace's channel of a platform with the
contact an identifier names."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.recrubo.conftest import Recrubo, only_error, text
from tests.api.recrubo.test_listing import all_pages


def thread_body(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "messageThreads", "attributes": attributes}}


class TestCreate:
    async def test_create_resolves_channel_and_contact(self, recrubo: Recrubo) -> None:
        response = await recrubo.post(
            "/message-threads", thread_body(channel="whatsapp", identifier="+31612345678")
        )
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert data["type"] == "messageThreads"
        assert data["attributes"]["channel"] == "whatsapp"
        assert data["attributes"]["identifier"] == "+31612345678"
        assert data["attributes"]["chatbotPaused"] is False
        native = await recrubo.client.get(
            f"/v1/conversations/{data['id']}", headers=recrubo.workspace.headers
        )
        channels = await recrubo.client.get(
            "/v1/channels", params={"platform": "whatsapp"}, headers=recrubo.workspace.headers
        )
        assert native.json()["channel_id"] == channels.json()["data"][0]["id"]
        contacts = await recrubo.client.get(
            "/v1/contacts", params={"identifier": "+31612345678"}, headers=recrubo.workspace.headers
        )
        [contact] = contacts.json()["data"]
        participants = await recrubo.client.get(
            f"/v1/conversations/{data['id']}/participants", headers=recrubo.workspace.headers
        )
        assert [p["contact_id"] for p in participants.json()["data"]] == [contact["id"]]

    async def test_same_channel_and_identifier_is_the_same_thread(self, recrubo: Recrubo) -> None:
        body = thread_body(channel="sms", identifier="+31699999999")
        first = await recrubo.post("/message-threads", body)
        second = await recrubo.post("/message-threads", body)
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json()["data"]["id"] == second.json()["data"]["id"]
        other = await recrubo.post(
            "/message-threads", thread_body(channel="whatsapp", identifier="+31699999999")
        )
        assert other.json()["data"]["id"] != first.json()["data"]["id"]

    async def test_concurrent_first_posts_create_one_thread_and_answer_201_once(
        self, recrubo: Recrubo
    ) -> None:
        """Created or found is what the core's get-or-create says, not a guess from the clock
        (a thread another request created a moment ago was found, not created)."""
        # The candidate exists already: the posts race on the thread itself, not on him.
        candidate = await recrubo.client.post(
            "/v1/contacts",
            json={"identifiers": [{"key": "phonenumber", "value": "+31655555555"}]},
            headers=recrubo.workspace.headers,
        )
        assert candidate.status_code == 201, candidate.text
        body = thread_body(channel="sms", identifier="+31655555555")
        responses = await asyncio.gather(*(recrubo.post("/message-threads", body) for _ in "abcd"))
        assert sorted(response.status_code for response in responses) == [200, 200, 200, 201]
        assert len({response.json()["data"]["id"] for response in responses}) == 1

    async def test_email_thread_and_paused_bot(self, recrubo: Recrubo) -> None:
        response = await recrubo.post(
            "/message-threads",
            thread_body(channel="email", identifier="Ann@Example.com", chatbotPaused=True),
        )
        attributes = response.json()["data"]["attributes"]
        assert (attributes["identifier"], attributes["chatbotPaused"]) == ("ann@example.com", True)

    @pytest.mark.parametrize(
        ("attributes", "pointer", "words"),
        [
            ({"identifier": "1"}, "/data/attributes/channel", "Field required"),
            ({"channel": "whatsapp"}, "/data/attributes/identifier", "Field required"),
            (
                {"channel": "facebook-messenger", "identifier": "1"},
                "/data/attributes/channel",
                "unknown channel",
            ),
            (
                {"channel": "webchat", "identifier": "1"},
                "/data/attributes/channel",
                "no webchat channel",
            ),
            (
                {"channel": "whatsapp", "identifier": ""},
                "/data/attributes/identifier",
                "at least 1",
            ),
            (
                {"channel": "whatsapp", "identifier": "1", "chatbotPaused": "maybe"},
                "/data/attributes/chatbotPaused",
                "boolean",
            ),
            (
                {"channel": "whatsapp", "identifier": "1", "createdAt": "now"},
                "/data/attributes/createdAt",
                "not a member",
            ),
        ],
    )
    async def test_rules(
        self, recrubo: Recrubo, attributes: dict[str, Any], pointer: str, words: str
    ) -> None:
        response = await recrubo.post("/message-threads", thread_body(**attributes))
        assert response.status_code == 422, response.text
        error = only_error(response)
        assert error["source"]["pointer"] == pointer
        assert words in error["detail"]


class TestReadChangeDelete:
    async def test_include_messages(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread("sms", "+31600000020")
        sent = [await recrubo.sent(thread_id, text(f"m{i}")) for i in range(3)]
        plain = (await recrubo.get(f"/message-threads/{thread_id}")).json()
        assert "included" not in plain
        assert "relationships" not in plain["data"]
        body = (await recrubo.get(f"/message-threads/{thread_id}", include="messages")).json()
        related = body["data"]["relationships"]["messages"]["data"]
        assert {r["id"] for r in related} == {m["id"] for m in sent}
        assert sorted(m["id"] for m in body["included"]) == sorted(m["id"] for m in sent)
        assert all(m["type"] == "messages" for m in body["included"])
        listed = (
            await recrubo.get(
                "/message-threads", include="messages", **{"filter[identifier]": "+31600000020"}
            )
        ).json()
        assert [t["id"] for t in listed["data"]] == [thread_id]
        assert len(listed["included"]) == 3
        bad = await recrubo.get(f"/message-threads/{thread_id}", include="candidate")
        assert bad.status_code == 400
        assert only_error(bad)["source"] == {"parameter": "include"}

    async def test_patch_and_delete(self, recrubo: Recrubo) -> None:
        thread_id = await recrubo.thread("sms", "+31600000021")
        message = await recrubo.sent(thread_id, text("hello"))
        path = f"/message-threads/{thread_id}"
        patched = await recrubo.patch(
            path,
            {
                "data": {
                    "type": "messageThreads",
                    "id": thread_id,
                    "attributes": {"chatbotPaused": True},
                }
            },
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["data"]["attributes"]["chatbotPaused"] is True
        assert (await recrubo.get(path)).json()["data"]["attributes"]["chatbotPaused"] is True
        immutable = await recrubo.patch(
            path, {"data": {"type": "messageThreads", "attributes": {"channel": "sms"}}}
        )
        assert immutable.status_code == 422
        assert only_error(immutable)["source"]["pointer"] == "/data/attributes/channel"
        wrong_id = await recrubo.patch(path, {"data": {"type": "messageThreads", "id": "x"}})
        assert wrong_id.status_code == 409
        assert (await recrubo.delete(path)).status_code == 204
        assert (await recrubo.get(path)).status_code == 404
        # The thread's messages go with it.
        assert (await recrubo.get(f"/messages/{message['id']}")).status_code == 404


class TestList:
    async def test_filters_sort_and_paging(self, recrubo: Recrubo) -> None:
        made = [
            await recrubo.thread(channel, identifier)
            for channel, identifier in [
                ("sms", "+31600000031"),
                ("whatsapp", "+31600000031"),
                ("email", "bob@example.com"),
                ("sms", "+31600000032"),
                ("whatsapp", "+31600000033"),
            ]
        ]
        ascending = await all_pages(recrubo, "/message-threads", {"sort": "createdAt"}, 2)
        assert [t["id"] for t in ascending] == made
        descending = await all_pages(recrubo, "/message-threads", {}, 2)
        assert [t["id"] for t in descending] == made[::-1]
        by_channel = await all_pages(
            recrubo, "/message-threads", {"filter[channel]": "sms", "sort": "createdAt"}
        )
        assert [t["id"] for t in by_channel] == [made[0], made[3]]
        by_identifier = await all_pages(
            recrubo, "/message-threads", {"filter[identifier]": "+31600000031", "sort": "createdAt"}
        )
        assert [t["id"] for t in by_identifier] == [made[0], made[1]]
        both = await all_pages(
            recrubo,
            "/message-threads",
            {"filter[identifier]": "+31600000031", "filter[channel]": "whatsapp"},
        )
        assert [t["id"] for t in both] == [made[1]]
        for params in ({"filter[channel]": "webchat"}, {"filter[identifier]": "+999"}):
            assert (await recrubo.get("/message-threads", **params)).json()["data"] == []

    async def test_bad_filter(self, recrubo: Recrubo) -> None:
        response = await recrubo.get("/message-threads", **{"filter[chatbotPaused]": "true"})
        assert response.status_code == 400
        assert only_error(response)["source"] == {"parameter": "filter[chatbotPaused]"}
