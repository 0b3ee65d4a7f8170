"""Query strings as the client's ``qs.stringify`` writes them: ``nextToken`` and ``pageSize``
paging, ``tags.<key>=<value>`` maps (everything after the first ``tags.`` is the key), arrays as
one value or repeated, and ISO dates. A bad value is an ``InvalidQuery``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from fastapi import Request

from hubbub.api.botpress.schemas import parse_datetime
from hubbub.api.botpress_errors import invalid_query
from hubbub.kit.cursors import Cursor, CursorCodec

DEFAULT_PAGE_SIZE = 20
# Botpress documents no limit; a larger pageSize is served in pages of this size.
MAX_PAGE_SIZE = 100
MAX_VALUE = 500
TAGS_PREFIX = "tags."

Choice = TypeVar("Choice", bound=str)


@dataclass(frozen=True)
class Page:
    size: int
    cursor: Cursor | None


def page(request: Request, cursors: CursorCodec) -> Page:
    raw = request.query_params.get("pageSize")
    size = DEFAULT_PAGE_SIZE
    if raw:
        try:
            size = int(raw)
        except ValueError:
            raise invalid_query("pageSize must be a whole number", field="pageSize") from None
        if size < 1:
            raise invalid_query("pageSize must be at least 1", field="pageSize")
    cursor = cursors.decode_optional(request.query_params.get("nextToken"), field="nextToken")
    return Page(size=min(size, MAX_PAGE_SIZE), cursor=cursor)


def meta(cursors: CursorCodec, cursor: Cursor | None) -> dict[str, Any]:
    """``meta`` of a list: ``nextToken`` only when another page follows."""
    return {} if cursor is None else {"nextToken": cursors.encode(cursor)}


def text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if len(value) > MAX_VALUE:
        raise invalid_query(f"{name} is at most {MAX_VALUE} characters", field=name)
    return value


def texts(request: Request, name: str) -> list[str]:
    """A one-element array arrives as a single value, a longer one repeated."""
    values = [value for value in request.query_params.getlist(name) if value]
    for value in values:
        if len(value) > MAX_VALUE:
            raise invalid_query(f"{name} values are at most {MAX_VALUE} characters", field=name)
    return values


def choice(request: Request, name: str, options: tuple[Choice, ...]) -> Choice | None:
    value = text(request, name)
    if value is None:
        return None
    for option in options:
        if value == option:
            return option
    raise invalid_query(f"{name} must be one of {', '.join(options)}", field=name)


def number(request: Request, name: str) -> int | None:
    value = text(request, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise invalid_query(f"{name} must be a whole number", field=name) from None


def date(request: Request, name: str) -> datetime | None:
    value = text(request, name)
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise invalid_query(f"{name} must be an ISO 8601 date", field=name) from None


def date_range(request: Request) -> tuple[datetime | None, datetime | None]:
    """``afterDate`` and ``beforeDate`` as inclusive bounds. Botpress dates have milliseconds
    and ours microseconds, so ``beforeDate`` covers its whole millisecond: a record's own
    ``createdAt`` given back as both bounds finds it."""
    before = date(request, "beforeDate")
    end = None if before is None else before + timedelta(microseconds=999)
    return date(request, "afterDate"), end


def tags(request: Request) -> dict[str, str]:
    """The ``tags.<key>=<value>`` filter: every pair must match."""
    found: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if not name.startswith(TAGS_PREFIX):
            continue
        key = name[len(TAGS_PREFIX) :]
        if not key or "=" in key:
            raise invalid_query("a tag filter reads tags.<key>=<value>", field=name)
        if not value:
            raise invalid_query(f"the tag filter {name} needs a value", field=name)
        found[key] = value
    return found
