"""All SQL on messages and their interactions.

Lists are keyset pages over ``(created_at, id)``: every filter narrows one index range walk
(``ix_message_conversation_created`` with a conversation, ``ix_message_channel_created`` with a
channel, ``ix_message_workspace_created`` otherwise) that starts at the cursor and stops after
``limit + 1`` rows, so a page deep in a long history costs what the first one does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import RowMapping

from hubbub.db.engine import FULLTEXT_FEW
from hubbub.db.keyset import keyset
from hubbub.db.models import interaction, message
from hubbub.db.prepared import prepared
from hubbub.db.tag_values import tag_value_page
from hubbub.db.uow import Session
from hubbub.kit.cursors import Cursor, Order
from hubbub.messages.schemas import Interaction, Message


@dataclass(frozen=True)
class MessageQuery:
    """A list filter with every lookup already resolved to values the message row holds."""

    conversation_id: str | None = None
    channel_id: str | None = None
    # The channels of a platform; an empty list matches nothing.
    channel_ids: list[str] | None = None
    direction: str | None = None
    statuses: list[str] | None = None
    # Author ids that count as the sender.
    author_ids: list[str] | None = None
    # A recipient's address in the forms it may be stored in; the first may be a contact id.
    recipient_values: list[str] | None = None
    tag_keys: list[str] = field(default_factory=list)
    tag_pairs: list[tuple[str, str]] = field(default_factory=list)
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    batch_id: str | None = None
    # An engine full-text query, from ``caps.fulltext_query``.
    fulltext: str | None = None


def _selectivity_varies(query: MessageQuery) -> bool:
    """Whether how many rows match depends so much on the value that one plan cannot serve
    every value (see ``Capabilities.custom_plan``)."""
    return bool(
        query.fulltext
        or query.tag_keys
        or query.tag_pairs
        or query.author_ids
        or query.recipient_values
    )


_INSERT_MESSAGE = prepared(insert(message), deferrable=True)
# Every status change of every delivery runs this; the SET columns come from the parameters.
_UPDATE_IF_STATUS = prepared(
    update(message).where(
        message.c.workspace_id == bindparam("b_ws"),
        message.c.id == bindparam("b_id"),
        message.c.status == bindparam("b_expected"),
    )
)
# Each status change records one; it goes out with the change's event (``hubbub.db.deferred``).
_INSERT_INTERACTION = prepared(insert(interaction), deferrable=True)
_GET_MESSAGE = prepared(
    select(message).where(
        message.c.workspace_id == bindparam("workspace_id"),
        message.c.id == bindparam("message_id"),
    )
)


def message_row(value: Message) -> dict[str, Any]:
    row = value.model_dump(exclude={"author", "payload", "recipients", "failure"})
    row["author_type"] = value.author.type
    row["author_id"] = value.author.id
    row["payload"] = value.payload.model_dump(mode="json")
    row["recipients"] = [recipient.model_dump(mode="json") for recipient in value.recipients]
    row["failure"] = None if value.failure is None else value.failure.model_dump(mode="json")
    return row


def _to_message(row: RowMapping | dict[str, Any]) -> Message:
    values = dict(row)
    values["author"] = {"type": values.pop("author_type"), "id": values.pop("author_id")}
    return Message.model_validate(values)


class MessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def tag_values(
        self, workspace_id: str, key: str, *, after: str | None, limit: int
    ) -> tuple[list[str], str | None]:
        """A page of the distinct values of tag ``key`` on the workspace's messages."""
        return await tag_value_page(
            self.session, message, workspace_id, key, after=after, limit=limit
        )

    async def insert(self, value: Message) -> None:
        # Parameters apart from the statement: one cached compiled INSERT serves every row.
        await self.session.conn.execute(_INSERT_MESSAGE, message_row(value))

    async def get(self, workspace_id: str, message_id: str) -> Message | None:
        parameters = {"workspace_id": workspace_id, "message_id": message_id}
        row = (await self.session.conn.execute(_GET_MESSAGE, parameters)).one_or_none()
        return None if row is None else _to_message(row._mapping)

    async def find_by_tags(
        self, workspace_id: str, conversation_id: str, wanted: dict[str, str]
    ) -> Message | None:
        """The conversation's oldest message holding every ``wanted`` tag."""
        tags = message.c.tags
        caps = self.session.caps
        row = (
            await self.session.conn.execute(
                select(message)
                .where(
                    message.c.workspace_id == workspace_id,
                    message.c.conversation_id == conversation_id,
                    *[caps.json_has_pair(tags, k, v) for k, v in wanted.items()],
                )
                .order_by(message.c.created_at, message.c.id)
                .limit(1)
            )
        ).one_or_none()
        return None if row is None else _to_message(row._mapping)

    async def update(self, workspace_id: str, message_id: str, values: dict[str, Any]) -> None:
        await self.session.conn.execute(
            update(message)
            .where(message.c.workspace_id == workspace_id, message.c.id == message_id)
            .values(**values)
        )

    async def update_if_status(
        self, workspace_id: str, message_id: str, *, expected: str, values: dict[str, Any]
    ) -> bool:
        """Compare-and-set on the status: True when the row still had ``expected`` and was
        changed. Concurrent callbacks for one message thus apply one at a time."""
        parameters = {**values, "b_ws": workspace_id, "b_id": message_id, "b_expected": expected}
        result = await self.session.conn.execute(_UPDATE_IF_STATUS, parameters)
        return bool(result.rowcount)

    async def delete(self, workspace_id: str, message_id: str) -> bool:
        result = await self.session.conn.execute(
            delete(message).where(
                message.c.workspace_id == workspace_id, message.c.id == message_id
            )
        )
        return bool(result.rowcount)

    async def list_page(
        self,
        workspace_id: str,
        query: MessageQuery,
        *,
        limit: int,
        order: Order,
        after: Cursor | None,
        offset: int = 0,
    ) -> list[Message]:
        """Up to ``limit`` messages after ``after``, the first ``offset`` of them skipped;
        callers ask for one more than a page to learn whether another page follows."""
        rare = query.fulltext is not None and await self._is_rare(query.fulltext)
        statement = self.page_statement(
            workspace_id, query, limit=limit, order=order, after=after, through_matches=rare
        )
        if offset:
            statement = statement.offset(offset)
        if _selectivity_varies(query) and (custom := self.session.caps.custom_plan()) is not None:
            await self.session.conn.execute(custom)
        result = await self.session.conn.execute(statement)
        # By position against the keys read once: a row's mapping view costs a lookup through
        # SQLAlchemy's row machinery per column, most of the time a page of 500 took to build.
        keys = list(result.keys())
        return [_to_message(dict(zip(keys, row, strict=True))) for row in result.all()]

    async def _is_rare(self, fulltext: str) -> bool:
        probe = self.session.caps.fulltext_probe(fulltext)
        if probe is None:
            return False
        return int((await self.session.conn.execute(probe)).scalar_one()) < FULLTEXT_FEW

    def page_statement(
        self,
        workspace_id: str,
        query: MessageQuery,
        *,
        limit: int,
        order: Order,
        after: Cursor | None,
        through_matches: bool = False,
    ) -> Select[Any]:
        """``through_matches``: reach the rows through the full-text matches, not the
        workspace's index (``Capabilities.unindexed``)."""
        in_workspace: ColumnElement[Any] = message.c.workspace_id
        if through_matches:
            in_workspace = self.session.caps.unindexed(in_workspace)
        statement = select(message).where(in_workspace == workspace_id, *self._conditions(query))
        return keyset(statement, message.c.created_at, message.c.id, after, order).limit(limit)

    def _conditions(self, query: MessageQuery) -> list[ColumnElement[bool]]:
        c = message.c
        caps = self.session.caps
        equal = {
            c.conversation_id: query.conversation_id,
            c.channel_id: query.channel_id,
            c.direction: query.direction,
            c.batch_id: query.batch_id,
        }
        conditions = [column == value for column, value in equal.items() if value is not None]
        for column, lower, upper in (
            (c.created_at, query.created_after, query.created_before),
            (c.updated_at, query.updated_after, query.updated_before),
        ):
            if lower is not None:
                conditions.append(column > lower)
            if upper is not None:
                conditions.append(column < upper)
        if query.channel_ids is not None:
            conditions.append(c.channel_id.in_(query.channel_ids))
        if query.statuses:
            conditions.append(c.status.in_(query.statuses))
        if query.author_ids is not None:
            conditions.append(c.author_id.in_(query.author_ids))
        if query.recipient_values:
            conditions.append(self._recipient(query.recipient_values))
        conditions += [caps.json_has_key(c.tags, key) for key in query.tag_keys]
        conditions += [caps.json_has_pair(c.tags, k, v) for k, v in query.tag_pairs]
        if query.fulltext is not None:
            conditions.append(caps.fulltext_condition(message, query.fulltext))
        return conditions

    def _recipient(self, values: list[str]) -> ColumnElement[bool]:
        caps = self.session.caps
        recipients = message.c.recipients
        by_address = [
            caps.json_array_has_object_with(recipients, "value", value) for value in values
        ]
        by_contact = caps.json_array_has_object_with(recipients, "contact_id", values[0])
        return or_(*by_address, by_contact)

    async def insert_interaction(self, value: Interaction, workspace_id: str) -> None:
        await self.session.conn.execute(
            _INSERT_INTERACTION, {"workspace_id": workspace_id, **value.model_dump()}
        )

    async def list_interactions(
        self,
        workspace_id: str,
        message_id: str,
        *,
        limit: int,
        order: Order,
        after: Cursor | None,
    ) -> list[Interaction]:
        statement = select(interaction).where(
            interaction.c.message_id == message_id, interaction.c.workspace_id == workspace_id
        )
        statement = keyset(
            statement, interaction.c.created_at, interaction.c.id, after, order
        ).limit(limit)
        rows = await self.session.conn.execute(statement)
        return [Interaction.model_validate(row._mapping) for row in rows]
