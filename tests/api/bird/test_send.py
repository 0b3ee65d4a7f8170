"""Sending through the Bird dialect (A.3-A.5): the Message object, contact auto-create and every
rule of the send body, with Bird's error shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from hubbub.kit.clock import isoformat, utcnow
from tests.api.bird.conftest import (
    Bird,
    assert_bird_error,
    text_send,
    unique_email,
    unique_phone,
)


async def send(
    client: httpx.AsyncClient, bird: Bird, body: Any, platform: str = "sms"
) -> httpx.Response:
    return await client.post(bird.ch(platform, "/messages"), json=body, headers=bird.headers)


async def test_send_text_answers_202_with_the_message(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    phone = unique_phone()
    body = text_send(phone, "Single text message", reference="order-42", tags=["Welcome"])
    response = await send(client, bird, body)
    assert response.status_code == 202, response.text
    message = response.json()
    assert message["channelId"] == bird.channels["sms"]
    assert message["sender"]["connector"]["id"] == bird.channels["sms"]
    assert message["body"] == {"type": "text", "text": {"text": "Single text message"}}
    assert message["reference"] == "order-42"
    assert message["tags"] == ["welcome"]
    assert message["status"] == "accepted"
    assert message["direction"] == "outgoing"
    for field in ("lastStatusAt", "createdAt", "updatedAt"):
        assert message[field].endswith("Z")
    [receiver] = message["receiver"]["contacts"]
    assert receiver["identifierKey"] == "phonenumber"
    assert receiver["identifierValue"] == phone
    # The contact was created from the receiver's identifier.
    contacts = await client.get("/v1/contacts", params={"identifier": phone}, headers=bird.native)
    assert [c["id"] for c in contacts.json()["data"]] == [receiver["id"]]
    again = await client.get(bird.ch("sms", f"/messages/{message['id']}"), headers=bird.headers)
    assert again.status_code == 200
    assert again.json() == message


async def test_bearer_works_too(client: httpx.AsyncClient, bird: Bird) -> None:
    response = await client.post(
        bird.ch("sms", "/messages"), json=text_send(unique_phone()), headers=bird.native
    )
    assert response.status_code == 202


async def test_email_takes_several_receivers_with_types(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    to, cc = unique_email(), unique_email()
    body = {
        "receiver": {
            "contacts": [
                {"identifierKey": "emailaddress", "identifierValue": to, "type": "to"},
                {"identifierKey": "emailaddress", "identifierValue": cc, "type": "cc"},
            ]
        },
        "body": {"type": "text", "text": {"text": "hi", "metadata": {"subject": "Quarterly"}}},
    }
    response = await send(client, bird, body, "email")
    assert response.status_code == 202, response.text
    message = response.json()
    assert [(c["identifierValue"], c["type"]) for c in message["receiver"]["contacts"]] == [
        (to, "to"),
        (cc, "cc"),
    ]
    assert message["body"]["text"]["metadata"]["subject"] == "Quarterly"


async def test_several_receivers_outside_email_are_refused(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    body = text_send(unique_phone())
    body["receiver"]["contacts"].append({"identifierValue": unique_phone()})
    response = await send(client, bird, body)
    assert_bird_error(response, 422, "InvalidPayload")
    assert "receiver.contacts" in response.json()["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"receiver": {"contacts": [{"identifierValue": "+31600000000"}]}}, "body"),
        (
            {
                "receiver": {"contacts": [{"identifierValue": "+31600000000"}]},
                "body": {"type": "text", "text": {"text": "x"}},
                "template": {"projectId": "p1"},
            },
            "body",
        ),
        ({"body": {"type": "text", "text": {"text": "x"}}}, "receiver"),
        (
            {
                "receiver": {"contacts": []},
                "body": {"type": "text", "text": {"text": "x"}},
            },
            "receiver.contacts",
        ),
        (
            {
                "receiver": {"contacts": [{"type": "to"}]},
                "body": {"type": "text", "text": {"text": "x"}},
            },
            "receiver.contacts.0",
        ),
        (text_send("+31600000000", extra_field=1), "extra_field"),
        (
            {
                "receiver": {"contacts": [{"identifierValue": "+31600000000"}]},
                "body": {"type": "image", "text": {"text": "x"}},
            },
            "body",
        ),
        (
            {
                "receiver": {"contacts": [{"identifierValue": "+31600000000"}]},
                "body": {"type": "text", "text": {"text": ""}},
            },
            "body.text.text",
        ),
        (
            {
                "receiver": {"contacts": [{"identifierValue": "+31600000000"}]},
                "body": {"type": "video", "video": {}},
            },
            "body.type",
        ),
        (text_send("+31600000000", tags=["no/slash"]), "tags.0"),
        (text_send("+31600000000", tags=[f"t{i}" for i in range(11)]), "tags"),
        (text_send("+31600000000", tags=["x" * 51]), "tags.0"),
        (text_send("+31600000000", reference="r" * 201), "reference"),
        (text_send("+31600000000", replyTo={"id": "x", "type": "nope"}), "replyTo.type"),
        (text_send("+31600000000", scheduledFor="tomorrow"), "scheduledFor"),
        (text_send("+31600000000", validity=-1), "validity"),
        (
            {
                "receiver": {"contacts": [{"identifierValue": "+31600000000"}]},
                "body": {
                    "type": "location",
                    "location": {"coordinates": {"latitude": 91, "longitude": 0}},
                },
            },
            "body.location.coordinates.latitude",
        ),
    ],
)
async def test_validation_rules_answer_422_naming_the_field(
    client: httpx.AsyncClient, bird: Bird, body: dict[str, Any], field: str
) -> None:
    response = await send(client, bird, body)
    assert_bird_error(response, 422, "InvalidPayload")
    assert field in response.json()["details"], response.json()


async def test_business_rules_answer_422(client: httpx.AsyncClient, bird: Bird) -> None:
    far = isoformat(utcnow() + timedelta(days=40))
    response = await send(client, bird, text_send(unique_phone(), scheduledFor=far))
    assert_bird_error(response, 422, "InvalidPayload")
    assert "scheduledFor" in response.json()["details"]
    reply = {"id": "00000000-0000-7000-8000-000000000000", "type": "message"}
    response = await send(client, bird, text_send(unique_phone(), replyTo=reply))
    assert_bird_error(response, 422)
    assert "replyTo.id" in response.json()["details"]
    bad_key = text_send(unique_phone())
    bad_key["receiver"]["contacts"][0]["identifierKey"] = "Bad Key!"
    response = await send(client, bird, bad_key)
    assert_bird_error(response, 422)
    assert "receiver.contacts.0.identifierKey" in response.json()["details"]


async def test_unparsable_json_is_400_in_bird_shape(client: httpx.AsyncClient, bird: Bird) -> None:
    response = await client.post(
        bird.ch("sms", "/messages"),
        content=b"{not json",
        headers={**bird.headers, "Content-Type": "application/json"},
    )
    assert_bird_error(response, 400, "BadRequest")


async def test_unknown_channel_is_404(client: httpx.AsyncClient, bird: Bird) -> None:
    response = await client.post(
        bird.ws("/channels/00000000-0000-7000-8000-000000000000/messages"),
        json=text_send(unique_phone()),
        headers=bird.headers,
    )
    assert_bird_error(response, 404, "NotFound")


async def test_scheduled_send(client: httpx.AsyncClient, bird: Bird) -> None:
    later = isoformat(utcnow() + timedelta(days=2))
    response = await send(client, bird, text_send(unique_phone(), scheduledFor=later))
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "scheduled"
    assert response.json()["scheduledFor"] == later


async def test_reply_to_a_received_message(client: httpx.AsyncClient, bird: Bird) -> None:
    first = (await send(client, bird, text_send(unique_phone()))).json()
    reply = {"id": first["id"], "type": "message"}
    response = await send(client, bird, text_send(unique_phone(), replyTo=reply, tags=["a"]))
    assert response.status_code == 202, response.text
    assert response.json()["replyTo"] == reply
    assert response.json()["tags"] == ["a"]  # the reply's bookkeeping is no Bird tag


async def test_template_send(client: httpx.AsyncClient, bird: Bird) -> None:
    template = {
        "projectId": "ce6a1234",
        "version": "latest",
        "locale": "en",
        "parameters": [{"type": "string", "key": "name", "value": "Robert"}],
    }
    body = {"receiver": {"contacts": [{"identifierValue": unique_phone()}]}, "template": template}
    response = await send(client, bird, body, "whatsapp")
    assert response.status_code == 202, response.text
    assert response.json()["template"] == template
    assert "body" not in response.json()
    native = await client.get(f"/v1/messages/{response.json()['id']}", headers=bird.native)
    assert native.json()["payload"]["type"] == "template"
    assert native.json()["payload"]["variables"] == ["Robert"]


@pytest.mark.parametrize(
    ("body", "core_type"),
    [
        ({"type": "html", "html": {"text": "plain", "html": "<b>rich</b>"}}, "text"),
        ({"type": "image", "image": {"images": [{"mediaUrl": "https://x.test/a.png"}]}}, "image"),
        (
            {
                "type": "file",
                "file": {
                    "files": [
                        {
                            "mediaUrl": "https://x.test/a.pdf",
                            "contentType": "application/pdf",
                            "filename": "a.pdf",
                        }
                    ]
                },
            },
            "file",
        ),
        (
            {
                "type": "location",
                "location": {
                    "coordinates": {"latitude": 52.37, "longitude": 4.89},
                    "location": {"address": "Dam 1", "label": "Amsterdam"},
                },
            },
            "location",
        ),
        ({"type": "gif", "gif": {"mediaUrl": "https://x.test/a.gif", "text": "lol"}}, "bird.gif"),
        (
            {
                "type": "text",
                "text": {
                    "text": "see attached",
                    "attachments": [{"mediaUrl": "https://x.test/a.pdf", "filename": "a.pdf"}],
                },
            },
            "blocks",
        ),
    ],
)
async def test_bodies_round_trip(
    client: httpx.AsyncClient, bird: Bird, body: dict[str, Any], core_type: str
) -> None:
    response = await send(
        client,
        bird,
        {"receiver": {"contacts": [{"identifierValue": unique_email()}]}, "body": body},
        "email",
    )
    assert response.status_code == 202, response.text
    assert response.json()["body"] == body
    native = await client.get(f"/v1/messages/{response.json()['id']}", headers=bird.native)
    assert native.json()["type"] == core_type


@pytest.mark.parametrize(
    ("core", "failure", "expected"),
    [
        ("sending", None, "processing"),
        ("sent", None, "sent"),
        ("delivered", None, "delivered"),
        ("read", None, "delivered"),
        ("failed", {"stage": "sending"}, "sending_failed"),
        ("failed", {"stage": "delivery", "reason": "handset off"}, "delivery_failed"),
        ("rejected", None, "rejected"),
        ("canceled", None, "skipped"),
        ("deleted", None, "deleted"),
    ],
)
async def test_status_in_birds_words(
    client: httpx.AsyncClient,
    bird: Bird,
    core: str,
    failure: dict[str, str] | None,
    expected: str,
) -> None:
    sent = (await send(client, bird, text_send(unique_phone()))).json()
    change: dict[str, Any] = {"status": core}
    if failure is not None:
        change["failure"] = failure
    moved = await client.post(f"/v1/messages/{sent['id']}/status", json=change, headers=bird.native)
    assert moved.status_code == 200, moved.text
    response = await client.get(bird.ch("sms", f"/messages/{sent['id']}"), headers=bird.headers)
    assert response.json()["status"] == expected
    if failure and failure.get("reason"):
        assert response.json()["reason"] == failure["reason"]
