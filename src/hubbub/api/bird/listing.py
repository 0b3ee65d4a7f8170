"""Bird's message lists (A.7) on the core listing: filters renamed, ``pageToken`` is the app's
keyset cursor, ``reverse`` flips the order.

Bird splits the core's ``failed`` into ``sending_failed`` and ``delivery_failed`` by the
failure's stage, which the core cannot filter on. When only one of the two is asked for, failed
messages of the other stage are dropped here and pages are read on until the page is full;
the token then names the last message returned, so nothing is lost or repeated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from hubbub.api.bird import defaults
from hubbub.api.bird.mapping import BIRD_STATUSES, bird_status, core_statuses
from hubbub.db.uow import Session
from hubbub.errors import UnprocessableEntity
from hubbub.kit.clock import to_micros
from hubbub.kit.cursors import Cursor, CursorCodec, Order
from hubbub.messages.schemas import Direction, Message, MessageFilter, as_utc
from hubbub.messages.service import message as message_service
from hubbub.messages.status import Status

# Reading on for a stage filter stops after this many core pages and returns what it has.
MAX_ROUNDS = 20
_FAILURES = frozenset({"sending_failed", "delivery_failed"})


# A sender, receiver, batch or channel id as a filter (``Query`` is a pydantic field too).
Value = Annotated[str | None, Query(min_length=1, max_length=320)]


class ListParams(BaseModel):
    """The query parameters both message lists take (A.7), in Bird's names, read as one query
    model (``ListQuery``): validated in place, where a class dependency (``Depends()``) would
    be called on a worker thread for every request. ``recipient`` is another name for
    ``receiver``."""

    model_config = ConfigDict(frozen=True)

    limit: int = Field(default=defaults.DEFAULT_LIMIT, ge=1, le=defaults.MAX_LIMIT)
    pageToken: str | None = Field(default=None, max_length=defaults.MAX_PAGE_TOKEN)
    reverse: bool = False
    platform: str | None = Field(default=None, max_length=20)
    status: list[str] | None = None
    direction: Direction | None = None
    startAt: datetime | None = None
    endAt: datetime | None = None
    sender: Value = None
    receiver: Value = None
    recipient: Value = None
    tag: list[str] | None = None
    subject: str | None = Field(default=None, max_length=1000)
    batchId: Value = None

    def bird_query(self, channel_id: str | None) -> BirdQuery:
        return BirdQuery(
            limit=self.limit,
            page_token=self.pageToken,
            reverse=self.reverse,
            channel_id=channel_id,
            platform=self.platform,
            statuses=tuple(self.status or ()),
            direction=self.direction,
            start_at=self.startAt,
            end_at=self.endAt,
            sender=self.sender,
            receiver=self.receiver or self.recipient,
            tags=tuple(self.tag or ()),
            subject=self.subject,
            batch_id=self.batchId,
        )


ListQuery = Annotated[ListParams, Query()]


@dataclass(frozen=True)
class BirdQuery:
    limit: int
    page_token: str | None
    reverse: bool
    channel_id: str | None = None
    platform: str | None = None
    statuses: tuple[str, ...] = ()
    direction: Direction | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    sender: str | None = None
    receiver: str | None = None
    tags: tuple[str, ...] = ()
    subject: str | None = None
    batch_id: str | None = None


def core_filter(query: BirdQuery) -> MessageFilter:
    start = as_utc(query.start_at)
    statuses: list[Status] = []
    for name in query.statuses:
        statuses.extend(core_statuses(name))
    return MessageFilter(
        channel_id=query.channel_id,
        platform=query.platform,
        direction=query.direction,
        status=list(dict.fromkeys(statuses)) or None,
        sender=query.sender,
        recipient=query.receiver,
        tags=[tag.lower() for tag in query.tags],
        # Bird's start is inclusive, the core's bound exclusive.
        created_after=start - timedelta(microseconds=1) if start else None,
        created_before=as_utc(query.end_at),
        batch_id=query.batch_id,
        q=query.subject,
    )


def check_statuses(statuses: tuple[str, ...]) -> None:
    for name in statuses:
        if name not in BIRD_STATUSES:
            raise UnprocessableEntity(
                f"status must be one of {', '.join(BIRD_STATUSES)}", field="status"
            )


async def list_messages(
    session: Session, workspace_id: str, query: BirdQuery, codec: CursorCodec
) -> tuple[list[Message], str | None]:
    """One page of messages and the next page's token (None on the last page)."""
    statuses = tuple(name for part in query.statuses for name in part.split(",") if name)
    check_statuses(statuses)
    query = replace(query, statuses=statuses)
    filters = core_filter(query)
    order = defaults.REVERSED if query.reverse else defaults.ORDER
    cursor = codec.decode_optional(query.page_token, field="pageToken")
    wanted_failures = _FAILURES & set(statuses)
    drop_stage = len(wanted_failures) == 1
    kept: list[Message] = []
    for _ in range(MAX_ROUNDS):
        rows, next_cursor = await message_service.list(
            session, workspace_id, filters, limit=query.limit, order=order, cursor=cursor
        )
        for row in rows:
            if drop_stage and row.status == "failed" and bird_status(row) not in wanted_failures:
                cursor = _position(row, order, cursor)
                continue
            kept.append(row)
            cursor = _position(row, order, cursor)
            if len(kept) == query.limit:
                more = next_cursor is not None or row is not rows[-1]
                return kept, codec.encode(cursor) if more else None
        if next_cursor is None:
            return kept, None
        cursor = next_cursor
    return kept, codec.encode_optional(cursor)


def _position(row: Message, order: Order, previous: Cursor | None) -> Cursor:
    """The token position after ``row``; a token's order wins over ``reverse``."""
    effective = previous.order if previous is not None else order
    return Cursor(created_us=to_micros(row.created_at), id=row.id, order=effective)
