"""Opaque keyset cursors: URL-safe, tamper-evident tokens over ``(created_at, id)``.

A cursor names the last row of a page and the order it was read in, so the next page is one
indexed range scan whatever its depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import orjson

from hubbub.errors import InvalidCursor
from hubbub.kit.signing import Secret, b64decode, b64encode, sign, verify

Order = Literal["asc", "desc"]
_VERSION = 1


@dataclass(frozen=True, slots=True)
class Cursor:
    """The position after which (in ``order``) the next page starts."""

    created_us: int
    id: str
    order: Order


class CursorCodec:
    def __init__(self, secret: Secret) -> None:
        self._secret = secret

    def encode(self, cursor: Cursor) -> str:
        body = b64encode(orjson.dumps([_VERSION, cursor.created_us, cursor.id, cursor.order]))
        return f"{body}.{sign(self._secret, body.encode(), length=12)}"

    def encode_optional(self, cursor: Cursor | None) -> str | None:
        """The next page's token, or None on the last page."""
        return None if cursor is None else self.encode(cursor)

    def decode_optional(self, token: str | None, *, field: str = "cursor") -> Cursor | None:
        """The position a request asks for; None (or empty) means the first page."""
        return self.decode(token, field=field) if token else None

    def decode(self, token: str, *, field: str = "cursor") -> Cursor:
        body, _, signature = token.partition(".")
        if (
            not body
            or not signature
            or not verify(self._secret, body.encode(), signature, length=12)
        ):
            raise InvalidCursor("the cursor is malformed or was altered", field=field)
        try:
            version, created_us, row_id, order = orjson.loads(b64decode(body))
        except (ValueError, TypeError) as exc:
            raise InvalidCursor("the cursor is malformed", field=field) from exc
        valid = (
            version == _VERSION
            and isinstance(created_us, int)
            and isinstance(row_id, str)
            and order in ("asc", "desc")
        )
        if not valid:
            raise InvalidCursor("the cursor is malformed", field=field)
        return Cursor(created_us=created_us, id=row_id, order=order)
