"""Paging as the Chat API does it: ``?nextToken=`` in, ``meta.nextToken`` out (absent on the last
page). Tokens are the core's signed keyset cursors."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from hubbub.kit.cursors import Cursor, CursorCodec

PAGE_SIZE = 50
CURSOR_PARAM = "nextToken"

NextToken = Annotated[str | None, Query(alias=CURSOR_PARAM, max_length=500)]


def meta(cursors: CursorCodec, cursor: Cursor | None) -> dict[str, str]:
    token = cursors.encode_optional(cursor)
    return {} if token is None else {CURSOR_PARAM: token}
