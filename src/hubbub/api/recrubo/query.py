"""JSON:API query parameters: ``filter[attr]`` / ``filter[attr][op]``, ``sort``,
``page[number]`` / ``page[size]``, ``include``; and the ``links``/``meta`` of a page.

Pages are numbered: page n is the rows at offset (n-1)*size in the list's order, read in one
query (``read_page_at``), so every row appears on exactly one page while the list does not
change. Templates, which the core lists by keyset only, are read by walking the keyset past the
first (n-1)*size rows (``read_page``); a workspace has few of them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request

from hubbub.api.recrubo.defaults import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    MAX_PAGE_NUMBER,
    MAX_PAGE_SIZE,
)
from hubbub.api.recrubo.errors import invalid_parameter
from hubbub.kit.cursors import Cursor, Order

Row = TypeVar("Row")
Fetch = Callable[[int, Cursor | None], Awaitable[tuple[list[Row], Cursor | None]]]
# (offset, limit) -> the rows there, and whether more follow.
FetchAt = Callable[[int, int], Awaitable[tuple[list[Row], bool]]]

_FILTER = re.compile(r"^filter\[([A-Za-z]+)\](?:\[([a-z]+)\])?$")
_PAGE = re.compile(r"^page\[([A-Za-z]+)\]$")
SKIP_CHUNK = 100
RANGE_OPERATORS = ("gt", "gte", "lt", "lte")
_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Filter:
    attribute: str
    operator: str  # "eq" when none is given
    value: str

    @property
    def parameter(self) -> str:
        suffix = "" if self.operator == "eq" else f"[{self.operator}]"
        return f"filter[{self.attribute}]{suffix}"


@dataclass(frozen=True)
class ListQuery:
    filters: list[Filter] = field(default_factory=list)
    order: Order = "desc"
    number: int = 1
    size: int = DEFAULT_PAGE_SIZE
    include: frozenset[str] = frozenset()


def parse_list_query(
    request: Request,
    *,
    filters: dict[str, tuple[str, ...]],
    includes: Iterable[str] = (),
) -> ListQuery:
    """The list parameters of ``request``. ``filters`` names each filterable attribute and the
    operators it takes; anything else is a 400 naming the parameter."""
    found: list[Filter] = []
    order = _order(DEFAULT_SORT)
    number, size = 1, DEFAULT_PAGE_SIZE
    include: frozenset[str] = frozenset()
    for name, value in request.query_params.multi_items():
        if match := _FILTER.match(name):
            found.append(_filter(name, match[1], match[2] or "eq", value, filters))
        elif match := _PAGE.match(name):
            if match[1] == "number":
                number = _integer(name, value, low=1, high=MAX_PAGE_NUMBER)
            elif match[1] == "size":
                size = _integer(name, value, low=1, high=MAX_PAGE_SIZE)
            else:
                raise invalid_parameter(name, "pages take page[number] and page[size]")
        elif name == "sort":
            order = _order(value)
        elif name == "include":
            include = _include(value, frozenset(includes))
        else:
            raise invalid_parameter(name, f"unknown query parameter '{name}'")
    return ListQuery(found, order, number, size, include)


def parse_include(request: Request, includes: Iterable[str] = ()) -> frozenset[str]:
    """``include`` on a single resource; any other parameter is refused."""
    include: frozenset[str] = frozenset()
    for name, value in request.query_params.multi_items():
        if name != "include":
            raise invalid_parameter(name, f"unknown query parameter '{name}'")
        include = _include(value, frozenset(includes))
    return include


def _filter(
    name: str, attribute: str, operator: str, value: str, allowed: dict[str, tuple[str, ...]]
) -> Filter:
    if attribute not in allowed:
        names = ", ".join(sorted(allowed)) or "none"
        raise invalid_parameter(name, f"cannot filter by '{attribute}'; filterable: {names}")
    if operator not in allowed[attribute]:
        ops = ", ".join(allowed[attribute])
        raise invalid_parameter(name, f"filter[{attribute}] takes the operators: {ops}")
    if not value:
        raise invalid_parameter(name, "a filter needs a value")
    return Filter(attribute, operator, value)


def _order(value: str) -> Order:
    if value == "createdAt":
        return "asc"
    if value == "-createdAt":
        return "desc"
    raise invalid_parameter("sort", "lists sort by 'createdAt' or '-createdAt'")


def _include(value: str, allowed: frozenset[str]) -> frozenset[str]:
    asked = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = sorted(asked - allowed)
    if unknown:
        names = ", ".join(sorted(allowed)) or "nothing"
        raise invalid_parameter("include", f"cannot include '{unknown[0]}'; includable: {names}")
    return asked


def _integer(name: str, value: str, *, low: int, high: int | None) -> int:
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid_parameter(name, f"{name} is a whole number {bound}")
    return number


def timestamp(item: Filter) -> datetime:
    """The filter's value as an aware UTC datetime (ISO 8601; naive means UTC)."""
    try:
        parsed = datetime.fromisoformat(item.value)
    except ValueError as exc:
        raise invalid_parameter(item.parameter, "give an ISO 8601 timestamp") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def exclusive_bounds(item: Filter) -> tuple[datetime | None, datetime | None]:
    """``(after, before)``, exclusive, that a range filter stands for."""
    at = timestamp(item)
    match item.operator:
        case "gt":
            return at, None
        case "gte":
            return at - _ONE_MICROSECOND, None
        case "lt":
            return None, at
        case _:
            return None, at + _ONE_MICROSECOND


async def read_page_at(fetch: FetchAt[Row], query: ListQuery) -> tuple[list[Row], bool]:
    """Page ``query.number`` of ``query.size`` rows, and whether a later page has rows: one
    query at offset (number-1)*size."""
    return await fetch((query.number - 1) * query.size, query.size)


async def read_page(fetch: Fetch[Row], query: ListQuery) -> tuple[list[Row], bool]:
    """Page ``query.number`` of ``query.size`` rows, and whether a later page has rows, by
    walking the keyset (for lists without an offset)."""
    skip = (query.number - 1) * query.size
    cursor: Cursor | None = None
    while skip > 0:
        rows, cursor = await fetch(min(skip, SKIP_CHUNK), cursor)
        skip -= len(rows)
        if cursor is None:
            return [], False
    rows, cursor = await fetch(query.size, cursor)
    return rows, cursor is not None


def page_links(request: Request, query: ListQuery, has_next: bool) -> dict[str, Any]:
    base = str(request.url.remove_query_params(["page[number]", "page[size]"]))

    def at(number: int) -> str:
        joiner = "&" if "?" in base else "?"
        return base + joiner + urlencode({"page[number]": number, "page[size]": query.size})

    return {
        "self": at(query.number),
        "first": at(1),
        "prev": at(query.number - 1) if query.number > 1 else None,
        "next": at(query.number + 1) if has_next else None,
    }


def page_meta(query: ListQuery, count: int) -> dict[str, Any]:
    start = (query.number - 1) * query.size
    return {
        "page": {
            "currentPage": query.number,
            "perPage": query.size,
            "from": start + 1 if count else None,
            "to": start + count if count else None,
        }
    }
