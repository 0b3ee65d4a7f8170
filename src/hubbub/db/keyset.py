"""Keyset pages: the rows after a cursor in ``(time, id)`` order, one place for every list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Select, literal, tuple_

from hubbub.kit.cursors import Cursor, Order


def keyset(
    query: Select[Any], time_column: Any, id_column: Any, after: Cursor | None, order: Order
) -> Select[Any]:
    """``query`` ordered by ``(time_column, id_column)`` in ``order``, narrowed to the rows
    after ``after`` (a cursor naming the last row of the previous page)."""
    key = tuple_(time_column, id_column)
    if after is not None:
        # The cursor holds micros: bind them as the stored BIGINT, not as a datetime.
        position = tuple_(literal(after.created_us, BigInteger()), literal(after.id))
        query = query.where(key > position if order == "asc" else key < position)
    if order == "asc":
        return query.order_by(time_column, id_column)
    return query.order_by(time_column.desc(), id_column.desc())
