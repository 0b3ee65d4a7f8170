"""Channel.io paging: ``since`` is the opaque cursor of the app's ``CursorCodec``; ``next``
continues in the same order and is absent on the last page; ``prev`` (only when ``since`` was
given and the page is not empty) walks back towards the start, its page in the opposite order.
A cursor carries the order it was issued for, and that order wins over ``sortOrder``."""

from __future__ import annotations

from typing import Literal

from hubbub.errors import UnprocessableEntity
from hubbub.kit.clock import to_micros
from hubbub.kit.cursors import Cursor, CursorCodec, Order
from hubbub.messages.schemas import Message

SortOrder = Literal["asc", "desc", "both"]


def read_order(sort_order: SortOrder, cursor: Cursor | None) -> Order:
    if sort_order == "both":
        raise UnprocessableEntity(
            "sortOrder 'both' is not supported; use 'asc' or 'desc'", field="sortOrder"
        )
    return sort_order if cursor is None else cursor.order


def decode_since(codec: CursorCodec, since: str | None) -> Cursor | None:
    return codec.decode_optional(since, field="since")


def links(
    codec: CursorCodec,
    *,
    first: Cursor | None,
    after: Cursor | None,
    since: Cursor | None,
) -> dict[str, str | None]:
    """``prev`` and ``next`` of a page whose first row is at ``first``."""
    prev = None
    if since is not None and first is not None:
        reverse: Order = "desc" if first.order == "asc" else "asc"
        prev = codec.encode(Cursor(created_us=first.created_us, id=first.id, order=reverse))
    return {"prev": prev, "next": codec.encode_optional(after)}


def message_position(first: Message | None, order: Order) -> Cursor | None:
    if first is None:
        return None
    return Cursor(created_us=to_micros(first.created_at), id=first.id, order=order)
