"""Listing messages: every filter, both sorts, and page-number paging to the end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.api.recrubo.conftest import Recrubo, only_error, text

Resource = dict[str, Any]


@pytest_asyncio.fixture
async def history(recrubo: Recrubo) -> dict[str, Any]:
    """Messages on an sms, an email and a whatsapp thread, by several senders, in several
    delivery states."""
    sms = await recrubo.thread("sms", "+31611111111")
    email = await recrubo.thread("email", "ann@example.com")
    whatsapp = await recrubo.thread("whatsapp", "+31622222222")
    plan = [
        (sms, "John", "outbound", None),
        (sms, "Ann", "inbound", None),
        (email, "Jane", "outbound", "sent"),
        (sms, "John", "outbound", "delivered"),
        (whatsapp, "John", "outbound", None),  # fails: the window is closed
        (email, "Ann", "inbound", None),
        (sms, "Jane", "outbound", "read"),
        (email, "John", "outbound", None),
    ]
    for thread_id, sender, origin, status in plan:
        message = await recrubo.sent(
            thread_id, text(f"{sender} says hi"), sendBy=sender, origin=origin
        )
        if status is not None:
            changed = await recrubo.client.post(
                f"/v1/messages/{message['id']}/status",
                json={"status": status},
                headers=recrubo.workspace.headers,
            )
            assert changed.status_code == 200
    everything = await all_pages(recrubo, "/messages", {"sort": "createdAt"})
    assert len(everything) == len(plan)
    return {"threads": {"sms": sms, "email": email, "whatsapp": whatsapp}, "all": everything}


async def all_pages(
    recrubo: Recrubo, path: str, params: dict[str, Any], size: int = 3
) -> list[Resource]:
    """Every resource, following ``links.next`` from page 1."""
    response = await recrubo.get(path, **params, **{"page[size]": size})
    seen: list[Resource] = []
    number = 1
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["meta"]["page"]["currentPage"] == number
        assert body["meta"]["page"]["perPage"] == size
        assert len(body["data"]) <= size
        seen += body["data"]
        if body["links"]["next"] is None:
            return seen
        number += 1
        response = await recrubo.client.get(body["links"]["next"], headers=recrubo.headers)


def attributes(resource: Resource) -> dict[str, Any]:
    result: dict[str, Any] = resource["attributes"]
    return result


def when(resource: Resource, name: str = "createdAt") -> datetime:
    return datetime.fromisoformat(attributes(resource)[name])


class TestPaging:
    @pytest.mark.parametrize("size", [1, 3, 8, 100])
    async def test_pages_cover_everything_once(
        self, recrubo: Recrubo, history: dict[str, Any], size: int
    ) -> None:
        ascending = await all_pages(recrubo, "/messages", {"sort": "createdAt"}, size)
        descending = await all_pages(recrubo, "/messages", {"sort": "-createdAt"}, size)
        ids = [m["id"] for m in history["all"]]
        assert [m["id"] for m in ascending] == ids
        assert [m["id"] for m in descending] == ids[::-1]
        assert len(set(ids)) == len(ids)

    async def test_default_is_newest_first_25(
        self, recrubo: Recrubo, history: dict[str, Any]
    ) -> None:
        body = (await recrubo.get("/messages")).json()
        assert [m["id"] for m in body["data"]] == [m["id"] for m in history["all"]][::-1]
        assert body["meta"]["page"] == {"currentPage": 1, "perPage": 25, "from": 1, "to": 8}
        assert body["links"]["prev"] is None
        assert body["links"]["next"] is None
        assert "page%5Bnumber%5D=1" in body["links"]["first"]

    async def test_page_past_the_end_is_empty(
        self, recrubo: Recrubo, history: dict[str, Any]
    ) -> None:
        body = (await recrubo.get("/messages", **{"page[number]": 5, "page[size]": 3})).json()
        assert body["data"] == []
        assert body["links"]["next"] is None
        assert "page%5Bnumber%5D=4" in body["links"]["prev"]
        assert body["meta"]["page"]["from"] is None

    async def test_links_keep_the_filters(self, recrubo: Recrubo, history: dict[str, Any]) -> None:
        sms = history["threads"]["sms"]
        seen = await all_pages(recrubo, "/messages", {"filter[messageThreadId]": sms}, 1)
        assert len(seen) == 4
        assert {attributes(m)["messageThreadId"] for m in seen} == {sms}

    @pytest.mark.parametrize(
        ("params", "parameter"),
        [
            ({"page[number]": "0"}, "page[number]"),
            ({"page[number]": "x"}, "page[number]"),
            ({"page[size]": "101"}, "page[size]"),
            ({"page[size]": "0"}, "page[size]"),
            ({"page[offset]": "1"}, "page[offset]"),
            ({"sort": "sendBy"}, "sort"),
            ({"sort": "-updatedAt"}, "sort"),
            ({"limit": "5"}, "limit"),
            ({"include": "messageThread"}, "include"),
            ({"filter[payload]": "x"}, "filter[payload]"),
            ({"filter[sendBy][gt]": "x"}, "filter[sendBy][gt]"),
            ({"filter[createdAt]": "2024-01-01T00:00:00Z"}, "filter[createdAt]"),
            ({"filter[createdAt][gt]": "yesterday"}, "filter[createdAt][gt]"),
            ({"filter[deliveryStatus]": "lost"}, "filter[deliveryStatus]"),
            ({"filter[origin]": "sideways"}, "filter[origin]"),
            ({"filter[sendBy]": ""}, "filter[sendBy]"),
        ],
    )
    async def test_bad_parameters(
        self, recrubo: Recrubo, params: dict[str, str], parameter: str
    ) -> None:
        response = await recrubo.get("/messages", **params)
        assert response.status_code == 400, response.text
        error = only_error(response)
        assert error["source"] == {"parameter": parameter}
        assert error["code"] == "bad_request"


def status_is(*shown: str) -> Callable[[Resource], bool]:
    return lambda m: attributes(m)["deliveryStatus"] in shown


class TestFilters:
    async def test_every_filter(self, recrubo: Recrubo, history: dict[str, Any]) -> None:
        everything: list[Resource] = history["all"]
        threads = history["threads"]
        middle = everything[3]
        cases: dict[str, tuple[dict[str, str], Callable[[Resource], bool]]] = {
            "thread": (
                {"filter[messageThreadId]": threads["email"]},
                lambda m: attributes(m)["messageThreadId"] == threads["email"],
            ),
            "status": ({"filter[deliveryStatus]": "accepted"}, status_is("accepted")),
            "statuses": ({"filter[deliveryStatus]": "read,failed"}, status_is("read", "failed")),
            "sent": ({"filter[deliveryStatus]": "sent"}, status_is("sent")),
            "delivered": ({"filter[deliveryStatus]": "delivered"}, status_is("delivered")),
            "origin": (
                {"filter[origin]": "inbound"},
                lambda m: attributes(m)["origin"] == "inbound",
            ),
            "sendBy": ({"filter[sendBy]": "John"}, lambda m: attributes(m)["sendBy"] == "John"),
            "channel": (
                {"filter[channel]": "sms"},
                lambda m: attributes(m)["messageThreadId"] == threads["sms"],
            ),
            "created gt": (
                {"filter[createdAt][gt]": attributes(middle)["createdAt"]},
                lambda m: when(m) > when(middle),
            ),
            "created gte": (
                {"filter[createdAt][gte]": attributes(middle)["createdAt"]},
                lambda m: when(m) >= when(middle),
            ),
            "created lt": (
                {"filter[createdAt][lt]": attributes(middle)["createdAt"]},
                lambda m: when(m) < when(middle),
            ),
            "created lte": (
                {"filter[createdAt][lte]": attributes(middle)["createdAt"]},
                lambda m: when(m) <= when(middle),
            ),
            "updated gt": (
                {"filter[updatedAt][gt]": attributes(middle)["updatedAt"]},
                lambda m: when(m, "updatedAt") > when(middle, "updatedAt"),
            ),
            "updated lte": (
                {"filter[updatedAt][lte]": attributes(middle)["updatedAt"]},
                lambda m: when(m, "updatedAt") <= when(middle, "updatedAt"),
            ),
            "and": (
                {"filter[sendBy]": "John", "filter[channel]": "sms", "filter[origin]": "outbound"},
                lambda m: (
                    attributes(m)["sendBy"] == "John"
                    and attributes(m)["messageThreadId"] == threads["sms"]
                ),
            ),
        }
        for label, (params, holds) in cases.items():
            found = await all_pages(recrubo, "/messages", {**params, "sort": "createdAt"}, 2)
            expected = [m["id"] for m in everything if holds(m)]
            assert [m["id"] for m in found] == expected, label
            assert expected or label in ("sent",), f"{label} matched nothing: a weak case"

    async def test_created_range_on_both_sides(
        self, recrubo: Recrubo, history: dict[str, Any]
    ) -> None:
        everything: list[Resource] = history["all"]
        params = {
            "filter[createdAt][gte]": attributes(everything[2])["createdAt"],
            "filter[createdAt][lt]": attributes(everything[5])["createdAt"],
            "sort": "createdAt",
        }
        found = (await recrubo.get("/messages", **params)).json()["data"]
        assert [m["id"] for m in found] == [m["id"] for m in everything[2:5]]


async def test_lists_need_a_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/compat/recrubo/public/v2/messages")
    assert response.status_code == 401
    assert only_error(response)["code"] == "unauthorized"
