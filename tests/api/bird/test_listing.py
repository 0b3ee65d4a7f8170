"""Bird message lists (A.7): every filter of the seed, ``limit``/``pageToken``/``reverse``, and
paging to the end without loss or repeat, also while messages are being added."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from hubbub.kit.clock import isoformat, utcnow
from tests.api.bird.conftest import Bird, assert_bird_error, text_send, unique_email, unique_phone


async def sent(
    client: httpx.AsyncClient, bird: Bird, body: dict[str, Any], platform: str = "sms"
) -> dict[str, Any]:
    response = await client.post(bird.ch(platform, "/messages"), json=body, headers=bird.headers)
    assert response.status_code == 202, response.text
    message: dict[str, Any] = response.json()
    return message


async def ids(client: httpx.AsyncClient, bird: Bird, path: str, **params: Any) -> list[str]:
    response = await client.get(path, params=params, headers=bird.headers)
    assert response.status_code == 200, response.text
    return [message["id"] for message in response.json()["results"]]


async def walk(client: httpx.AsyncClient, bird: Bird, path: str, **params: Any) -> list[str]:
    """Every id of every page, following ``nextPageToken`` to the end."""
    seen: list[str] = []
    token = None
    for _ in range(100):
        query = {**params, **({"pageToken": token} if token else {})}
        response = await client.get(path, params=query, headers=bird.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [message["id"] for message in page["results"]]
        token = page.get("nextPageToken")
        if not token:
            return seen
    raise AssertionError("paging never ended")


async def test_channel_list_newest_first_and_reverse(client: httpx.AsyncClient, bird: Bird) -> None:
    made = [(await sent(client, bird, text_send(unique_phone(), f"m{i}")))["id"] for i in range(3)]
    newest_first = await ids(client, bird, bird.ch("sms", "/messages"))
    assert newest_first[:3] == made[::-1]
    oldest_first = await ids(client, bird, bird.ch("sms", "/messages"), reverse="true")
    assert oldest_first[-3:] == made
    assert await ids(client, bird, bird.ch("email", "/messages")) == []


async def test_default_limit_is_ten_and_paging_is_complete(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    made = [(await sent(client, bird, text_send(unique_phone())))["id"] for _ in range(13)]
    first = await client.get(bird.ch("sms", "/messages"), headers=bird.headers)
    assert len(first.json()["results"]) == 10
    assert first.json()["nextPageToken"]
    everything = await walk(client, bird, bird.ch("sms", "/messages"), limit=4)
    assert everything == made[::-1]
    assert await walk(client, bird, bird.ch("sms", "/messages"), limit=5, reverse="true") == made


async def test_paging_while_inserting_loses_and_repeats_nothing(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    made = [(await sent(client, bird, text_send(unique_phone())))["id"] for _ in range(6)]
    path = bird.ch("sms", "/messages")
    seen: list[str] = []
    token = None
    while True:
        query: dict[str, Any] = {"limit": 2, "reverse": "true"}
        if token:
            query["pageToken"] = token
        page = (await client.get(path, params=query, headers=bird.headers)).json()
        seen += [message["id"] for message in page["results"]]
        # Another message arrives between every two pages.
        made.append((await sent(client, bird, text_send(unique_phone())))["id"])
        token = page.get("nextPageToken")
        if not token or len(made) > 30:
            break
    assert len(seen) == len(set(seen))
    assert seen == made[: len(seen)]
    assert set(made[:6]) <= set(seen)


async def test_workspace_list_and_channel_filter(client: httpx.AsyncClient, bird: Bird) -> None:
    sms = await sent(client, bird, text_send(unique_phone()))
    email = await sent(client, bird, text_send(unique_email()), "email")
    everything = await ids(client, bird, bird.ws("/messages"))
    assert everything[:2] == [email["id"], sms["id"]]
    only_sms = await ids(client, bird, bird.ws("/messages"), channelId=bird.channels["sms"])
    assert only_sms == [sms["id"]]
    assert await ids(client, bird, bird.ws("/messages"), platform="email") == [email["id"]]
    assert await ids(client, bird, bird.ws("/messages"), platform="webchat") == []


async def test_filters(client: httpx.AsyncClient, bird: Bird) -> None:
    phone = unique_phone()
    before = utcnow()
    tagged = await sent(client, bird, text_send(phone, tags=["promo"]))
    plain = await sent(client, bird, text_send(unique_phone()))
    mail_to = unique_email()
    mail = await sent(
        client,
        bird,
        {
            "receiver": {"contacts": [{"identifierValue": mail_to}]},
            "body": {"type": "text", "text": {"text": "x", "metadata": {"subject": "Invoice 7"}}},
        },
        "email",
    )
    ws = bird.ws("/messages")
    assert await ids(client, bird, ws, tag="promo") == [tagged["id"]]
    assert await ids(client, bird, ws, tag="PROMO") == [tagged["id"]]
    assert await ids(client, bird, ws, receiver=phone) == [tagged["id"]]
    assert await ids(client, bird, ws, recipient=mail_to) == [mail["id"]]
    assert await ids(client, bird, ws, subject="invoice") == [mail["id"]]
    assert await ids(client, bird, ws, direction="incoming") == []
    # The wire form keeps milliseconds: ``before`` rounds down, so the start still holds both.
    since = await ids(client, bird, bird.ch("sms", "/messages"), startAt=isoformat(before))
    assert since == [plain["id"], tagged["id"]]
    until = await ids(client, bird, ws, endAt=isoformat(before), limit=100)
    assert not {tagged["id"], plain["id"], mail["id"]} & set(until)
    assert await ids(client, bird, ws, startAt=isoformat(utcnow() + timedelta(days=1))) == []
    assert set(await ids(client, bird, ws, status="accepted")) >= {tagged["id"], mail["id"]}
    assert await ids(client, bird, ws, status="delivered") == []


async def test_sender_filter_on_incoming_messages(client: httpx.AsyncClient, bird: Bird) -> None:
    phone = unique_phone()
    incoming = await client.post(
        "/v1/messages",
        json={
            "channel_id": bird.channels["sms"],
            "recipients": [{"value": phone}],
            "direction": "incoming",
            "payload": {"type": "text", "text": "hello business"},
        },
        headers=bird.native,
    )
    assert incoming.status_code == 201, incoming.text
    found = await client.get(bird.ws("/messages"), params={"sender": phone}, headers=bird.headers)
    [message] = found.json()["results"]
    assert message["id"] == incoming.json()["id"]
    assert message["direction"] == "incoming"
    assert message["status"] == "delivered"
    assert message["sender"]["contact"]["identifierValue"] == phone
    assert message["receiver"]["connector"]["id"] == bird.channels["sms"]
    listed = await ids(client, bird, bird.ws("/messages"), direction="incoming")
    assert listed == [incoming.json()["id"]]


async def test_batch_filter(client: httpx.AsyncClient, bird: Bird) -> None:
    response = await client.post(
        bird.ch("sms", "/batch/messages"),
        json={"messageRequests": [text_send(unique_phone()), text_send(unique_phone())]},
        headers=bird.headers,
    )
    batch = response.json()
    listed = await ids(client, bird, bird.ws("/messages"), batchId=batch["batchId"])
    assert sorted(listed) == sorted(m["id"] for m in batch["results"])


async def test_failure_stage_filters_page_without_loss(
    client: httpx.AsyncClient, bird: Bird
) -> None:
    stages = ["sending", "delivery", "delivery", "sending", "delivery", "sending", "delivery"]
    made: dict[str, list[str]] = {"sending": [], "delivery": []}
    for stage in stages:
        message = await sent(client, bird, text_send(unique_phone()))
        change = {"status": "failed", "failure": {"stage": stage}}
        await client.post(f"/v1/messages/{message['id']}/status", json=change, headers=bird.native)
        made[stage].append(message["id"])
    path = bird.ch("sms", "/messages")
    delivery = await walk(client, bird, path, status="delivery_failed", limit=2, reverse="true")
    assert delivery == made["delivery"]
    sending = await walk(client, bird, path, status="sending_failed", limit=2)
    assert sending == made["sending"][::-1]
    both = await walk(client, bird, path, status=["sending_failed", "delivery_failed"], limit=3)
    assert sorted(both) == sorted(made["sending"] + made["delivery"])


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": 0}, 422),
        ({"limit": 101}, 422),
        ({"pageToken": "garbage"}, 400),
        ({"status": "lost"}, 422),
        ({"direction": "sideways"}, 422),
        ({"startAt": "yesterday"}, 422),
    ],
)
async def test_bad_list_parameters(
    client: httpx.AsyncClient, bird: Bird, params: dict[str, Any], status: int
) -> None:
    for path in (bird.ws("/messages"), bird.ch("sms", "/messages")):
        response = await client.get(path, params=params, headers=bird.headers)
        assert_bird_error(response, status)


async def test_unknown_filters_are_ignored(client: httpx.AsyncClient, bird: Bird) -> None:
    response = await client.get(
        bird.ws("/messages"), params={"colour": "blue"}, headers=bird.headers
    )
    assert response.status_code == 200
