"""Numbered pages are one OFFSET query: page n of size s holds exactly the rows at positions
(n-1)*s+1 .. n*s of the list in the requested sort, for messages and for threads."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.recrubo.conftest import Recrubo, only_error, text


async def page(recrubo: Recrubo, path: str, **params: Any) -> dict[str, Any]:
    response = await recrubo.get(path, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("sort", ["createdAt", "-createdAt"])
async def test_page_three_of_size_two_is_the_fifth_and_sixth_message(
    recrubo: Recrubo, sort: str
) -> None:
    thread_id = await recrubo.thread("sms", "+31600000071")
    written = [
        (await recrubo.sent(thread_id, text(f"message {n}"), sendBy="John"))["id"]
        for n in range(1, 8)
    ]
    ordered = written if sort == "createdAt" else written[::-1]
    body = await page(recrubo, "/messages", sort=sort, **{"page[number]": 3, "page[size]": 2})
    assert [m["id"] for m in body["data"]] == ordered[4:6]
    assert body["meta"]["page"] == {"currentPage": 3, "perPage": 2, "from": 5, "to": 6}
    assert "page%5Bnumber%5D=4" in body["links"]["next"]
    assert "page%5Bnumber%5D=2" in body["links"]["prev"]


async def test_the_last_page_and_beyond(recrubo: Recrubo) -> None:
    thread_id = await recrubo.thread("sms", "+31600000072")
    written = [
        (await recrubo.sent(thread_id, text(f"message {n}"), sendBy="John"))["id"]
        for n in range(1, 6)
    ]
    last = await page(
        recrubo, "/messages", sort="createdAt", **{"page[number]": 3, "page[size]": 2}
    )
    assert [m["id"] for m in last["data"]] == written[4:]
    assert last["links"]["next"] is None
    assert last["meta"]["page"] == {"currentPage": 3, "perPage": 2, "from": 5, "to": 5}
    full_last = await page(recrubo, "/messages", **{"page[number]": 5, "page[size]": 1})
    assert [m["id"] for m in full_last["data"]] == written[:1]  # newest first by default
    assert full_last["links"]["next"] is None  # a full last page has no next either
    beyond = await page(recrubo, "/messages", **{"page[number]": 4, "page[size]": 2})
    assert beyond["data"] == []
    assert beyond["links"]["next"] is None
    assert "page%5Bnumber%5D=3" in beyond["links"]["prev"]
    assert beyond["meta"]["page"]["from"] is None


async def test_the_largest_page_number_is_empty_and_a_larger_one_refused(
    recrubo: Recrubo,
) -> None:
    body = await page(recrubo, "/messages", **{"page[number]": 2**31 - 1, "page[size]": 100})
    assert body["data"] == []
    assert body["links"]["next"] is None
    response = await recrubo.get("/messages", **{"page[number]": 2**31})
    assert response.status_code == 400
    assert only_error(response)["source"] == {"parameter": "page[number]"}


async def test_page_numbers_keep_the_filters(recrubo: Recrubo) -> None:
    sms = await recrubo.thread("sms", "+31600000073")
    email = await recrubo.thread("email", "numbered@example.com")
    on_sms = []
    for n in range(6):
        thread_id = sms if n % 2 == 0 else email
        sent = await recrubo.sent(thread_id, text(f"message {n}"), sendBy="Jane")
        if thread_id == sms:
            on_sms.append(sent["id"])
    params = {"filter[messageThreadId]": sms, "sort": "createdAt", "page[size]": 2}
    body = await page(recrubo, "/messages", **params, **{"page[number]": 2})
    assert [m["id"] for m in body["data"]] == on_sms[2:]
    assert body["links"]["next"] is None


async def test_thread_pages_are_offsets_too(recrubo: Recrubo) -> None:
    made = [await recrubo.thread("sms", f"+3160000008{n}") for n in range(5)]
    body = await page(
        recrubo, "/message-threads", sort="createdAt", **{"page[number]": 2, "page[size]": 2}
    )
    assert [t["id"] for t in body["data"]] == made[2:4]
    assert body["links"]["next"] is not None
    last = await page(recrubo, "/message-threads", **{"page[number]": 3, "page[size]": 2})
    assert [t["id"] for t in last["data"]] == made[:1]  # newest first by default
    assert last["links"]["next"] is None
