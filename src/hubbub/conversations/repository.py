from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)

from hubbub.conversations.schemas import UNASSIGNED, Conversation, ConversationQuery
from hubbub.db.engine import Capabilities
from hubbub.db.keyset import keyset
from hubbub.db.models import channel, contact, conversation, conversation_participant
from hubbub.db.prepared import prepared
from hubbub.db.tag_values import tag_value_page
from hubbub.db.uow import Session
from hubbub.kit.cursors import Cursor, Order

participant = conversation_participant


class ConversationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def tag_values(
        self, workspace_id: str, key: str, *, after: str | None, limit: int
    ) -> tuple[list[str], str | None]:
        """A page of the distinct values of tag ``key`` on the workspace's conversations."""
        return await tag_value_page(
            self.session, conversation, workspace_id, key, after=after, limit=limit
        )

    async def insert(self, values: dict[str, Any]) -> None:
        await self.session.conn.execute(insert(conversation).values(**values))

    async def get(self, workspace_id: str, conversation_id: str) -> Conversation | None:
        row = (
            await self.session.conn.execute(
                _GET_CONVERSATION, {"b_id": conversation_id, "b_workspace_id": workspace_id}
            )
        ).one_or_none()
        return None if row is None else Conversation.model_validate(row._mapping)

    async def get_locked(self, workspace_id: str, conversation_id: str) -> Conversation | None:
        """``get``, holding the row until the transaction ends (PostgreSQL ``FOR UPDATE``;
        SQLite writers are serial anyway): a command decides on what it read, and two
        concurrent closes must not both see an open conversation."""
        row = (
            await self.session.conn.execute(
                _GET_LOCKED, {"b_id": conversation_id, "b_workspace_id": workspace_id}
            )
        ).one_or_none()
        return None if row is None else Conversation.model_validate(row._mapping)

    async def get_for_message(
        self, workspace_id: str, conversation_id: str
    ) -> tuple[Conversation, dict[str, Any] | None, list[str]] | None:
        """The conversation, its channel's row (None when it has no channel) and its contact
        participants' ids (in the order they joined), in one statement: a message create
        needs all three, and each statement is a round trip."""
        statement = _for_message(self.session.caps)
        row = (
            await self.session.conn.execute(
                statement, {"b_id": conversation_id, "b_workspace_id": workspace_id}
            )
        ).one_or_none()
        if row is None:
            return None
        values = row._mapping
        found = Conversation.model_validate({key: values[key] for key in _CONVERSATION_KEYS})
        # No participant: PostgreSQL aggregates to NULL, SQLite to an empty array.
        joined = sorted((created_us, id_) for created_us, id_ in values["contacts"] or ())
        contact_ids = [contact_id for _, contact_id in joined]
        if values[_CHANNEL_PREFIX + "id"] is None:
            return found, None, contact_ids
        return found, {key: values[_CHANNEL_PREFIX + key] for key in _CHANNEL_KEYS}, contact_ids

    async def exists(self, workspace_id: str, conversation_id: str) -> bool:
        found = await self.session.conn.execute(
            select(literal(1)).where(
                conversation.c.id == conversation_id, conversation.c.workspace_id == workspace_id
            )
        )
        return found.first() is not None

    async def update(self, workspace_id: str, conversation_id: str, values: dict[str, Any]) -> None:
        await self.session.conn.execute(
            update(conversation)
            .where(
                conversation.c.id == conversation_id, conversation.c.workspace_id == workspace_id
            )
            .values(**values)
        )

    async def unassign_agent(
        self, workspace_id: str, agent_id: str, *, now: datetime
    ) -> builtins.list[str]:
        """Take the agent off every conversation assigned to them; the conversations' ids."""
        result = await self.session.conn.execute(
            update(conversation)
            .where(
                conversation.c.workspace_id == workspace_id,
                conversation.c.assignee_id == agent_id,
            )
            .values(assignee_id=None, updated_at=now)
            .returning(conversation.c.id)
        )
        return sorted(result.scalars())

    async def delete(self, workspace_id: str, conversation_id: str) -> bool:
        result = await self.session.conn.execute(
            delete(conversation).where(
                conversation.c.id == conversation_id, conversation.c.workspace_id == workspace_id
            )
        )
        return bool(result.rowcount)

    async def find_by_tags(
        self, workspace_id: str, channel_id: str | None, wanted: Mapping[str, str]
    ) -> Conversation | None:
        """The oldest conversation of the channel (or of none) whose tags hold every pair."""
        query = select(conversation).where(
            conversation.c.workspace_id == workspace_id,
            _same_channel(channel_id),
            *(self._has_tag(k, v) for k, v in wanted.items()),
        )
        row = (
            await self.session.conn.execute(
                query.order_by(conversation.c.created_at, conversation.c.id).limit(1)
            )
        ).first()
        return None if row is None else Conversation.model_validate(row._mapping)

    async def find_by_contacts(
        self, workspace_id: str, channel_id: str, contact_ids: list[str]
    ) -> str | None:
        """The oldest conversation of the channel whose contact participants are exactly
        ``contact_ids``. Candidates come from the first contact's participations (indexed),
        not from a scan of the channel."""
        candidates = select(participant.c.conversation_id).where(
            participant.c.contact_id == contact_ids[0],
            participant.c.workspace_id == workspace_id,
            participant.c.role == "contact",
        )
        wanted = func.count(case((participant.c.contact_id.in_(contact_ids), 1)))
        query = (
            select(participant.c.conversation_id)
            .join(conversation, conversation.c.id == participant.c.conversation_id)
            .where(
                participant.c.conversation_id.in_(candidates),
                participant.c.role == "contact",
                conversation.c.workspace_id == workspace_id,
                conversation.c.channel_id == channel_id,
            )
            .group_by(participant.c.conversation_id)
            .having(func.count() == len(contact_ids), wanted == len(contact_ids))
            # UUIDv7 ids are time-ordered: the smallest is the oldest.
            .order_by(participant.c.conversation_id)
            .limit(1)
        )
        return (await self.session.conn.execute(query)).scalar_one_or_none()

    async def list(
        self,
        workspace_id: str,
        *,
        channel_id: str | None,
        status: str | None,
        tag: tuple[str, str | None] | None,
        participant_id: str | None,
        limit: int,
        after: Cursor | None,
        order: Order,
        offset: int = 0,
        assignee_id: str | None = None,
    ) -> list[Conversation]:
        """Up to ``limit`` conversations after ``after`` in ``order`` of (created_at, id),
        the first ``offset`` of them skipped."""
        query = select(conversation).where(conversation.c.workspace_id == workspace_id)
        if channel_id is not None:
            query = query.where(conversation.c.channel_id == channel_id)
        if status is not None:
            query = query.where(conversation.c.status == status)
        if tag is not None:
            query = query.where(self._has_tag(*tag))
        if participant_id is not None:
            query = query.where(_has_participant(participant_id))
        if assignee_id == UNASSIGNED:
            query = query.where(conversation.c.assignee_id.is_(None))
        elif assignee_id is not None:
            query = query.where(conversation.c.assignee_id == assignee_id)
        query = keyset(query, conversation.c.created_at, conversation.c.id, after, order)
        query = query.limit(limit)
        rows = await self.session.conn.execute(query.offset(offset) if offset else query)
        return [Conversation.model_validate(row._mapping) for row in rows]

    async def list_matching(
        self,
        workspace_id: str,
        query: ConversationQuery,
        *,
        limit: int,
        after: Cursor | None,
        order: Order,
    ) -> builtins.list[Conversation]:
        """Up to ``limit`` conversations matching ``query`` after ``after`` in ``order`` of
        (sort field, id); the cursor's time is the sort field's."""
        if query.channel_ids is not None and not query.channel_ids:
            return []
        statement = select(conversation).where(conversation.c.workspace_id == workspace_id)
        for tag_key, tag_value in query.tags.items():
            statement = statement.where(self._has_tag(tag_key, tag_value))
        for contact_id in dict.fromkeys(query.participant_ids):
            statement = statement.where(_has_participant(contact_id))
        if query.channel_ids is not None:
            statement = statement.where(conversation.c.channel_id.in_(query.channel_ids))
        for name, wanted in query.attributes.items():
            statement = statement.where(
                self.session.caps.json_text(conversation.c.attributes, name) == wanted
            )
        if query.created_after is not None:
            statement = statement.where(conversation.c.created_at >= query.created_after)
        if query.created_before is not None:
            statement = statement.where(conversation.c.created_at <= query.created_before)
        if query.min_message_count is not None:
            statement = statement.where(conversation.c.message_count >= query.min_message_count)
        if query.max_message_count is not None:
            statement = statement.where(conversation.c.message_count <= query.max_message_count)
        sort = conversation.c[query.sort_field]
        statement = keyset(statement, sort, conversation.c.id, after, order)
        rows = await self.session.conn.execute(statement.limit(limit))
        return [Conversation.model_validate(row._mapping) for row in rows]

    async def record_message(
        self, workspace_id: str, conversation_id: str, *, at: datetime, inbound: bool, now: datetime
    ) -> bool:
        """Count a message in one statement; the timestamps never move backwards. False when
        the conversation is not there."""
        statement = _RECORD_INBOUND if inbound else _RECORD_OUTBOUND
        result = await self.session.conn.execute(
            statement,
            {"b_id": conversation_id, "b_workspace_id": workspace_id, "b_at": at, "b_now": now},
        )
        return bool(result.rowcount)

    async def count_message(
        self, workspace_id: str, conversation_id: str, *, at: datetime, inbound: bool, now: datetime
    ) -> None:
        """``record_message`` for a conversation read in this transaction, with the new
        message's INSERT still to come: on PostgreSQL the UPDATE goes out with that INSERT
        (``hubbub.db.deferred``), and a conversation deleted meanwhile fails the INSERT's
        foreign key (a 409) instead of counting zero rows."""
        statement = _COUNT_INBOUND if inbound else _COUNT_OUTBOUND
        await self.session.conn.execute(
            statement,
            {"b_id": conversation_id, "b_workspace_id": workspace_id, "b_at": at, "b_now": now},
        )

    async def forget_message(self, workspace_id: str, conversation_id: str) -> bool:
        result = await self.session.conn.execute(
            update(conversation)
            .where(
                conversation.c.id == conversation_id, conversation.c.workspace_id == workspace_id
            )
            .values(
                message_count=case(
                    (conversation.c.message_count > 0, conversation.c.message_count - 1),
                    else_=0,
                )
            )
        )
        return bool(result.rowcount)

    async def channel_exists(self, workspace_id: str, channel_id: str) -> bool:
        found = await self.session.conn.execute(
            select(literal(1)).where(
                channel.c.id == channel_id, channel.c.workspace_id == workspace_id
            )
        )
        return found.first() is not None

    async def existing_contact_ids(self, workspace_id: str, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        if not wanted:
            return set()
        rows = await self.session.conn.execute(
            select(contact.c.id).where(
                contact.c.workspace_id == workspace_id, contact.c.id.in_(wanted)
            )
        )
        return set(rows.scalars())

    def _has_tag(self, key: str, value: str | None) -> ColumnElement[bool]:
        caps = self.session.caps
        if value is None:
            return caps.json_has_key(conversation.c.tags, key)
        return caps.json_has_pair(conversation.c.tags, key, value)


def _same_channel(channel_id: str | None) -> ColumnElement[bool]:
    if channel_id is None:
        return conversation.c.channel_id.is_(None)
    return conversation.c.channel_id == channel_id


def _has_participant(contact_id: str) -> ColumnElement[bool]:
    return exists().where(
        and_(
            participant.c.conversation_id == conversation.c.id,
            participant.c.contact_id == contact_id,
        )
    )


def _latest(column: Any, value: Any) -> ColumnElement[Any]:
    """``value`` unless the column already holds a later time."""
    return case((column.is_(None), value), (column < value, value), else_=column)


# Statements on the path of every message create, built once: constructing a SQLAlchemy
# statement costs more than running it on SQLite.
# (UPDATE reserves bind names equal to column names, hence the ``b_`` prefix.)
_BY_ID = and_(
    conversation.c.id == bindparam("b_id"),
    conversation.c.workspace_id == bindparam("b_workspace_id"),
)
_GET_CONVERSATION = prepared(select(conversation).where(_BY_ID))
_GET_LOCKED = prepared(select(conversation).where(_BY_ID).with_for_update())
_CONVERSATION_KEYS = tuple(column.key for column in conversation.c)
_CHANNEL_KEYS = tuple(column.key for column in channel.c)
_CHANNEL_PREFIX = "channel__"
_FOR_MESSAGE: dict[str, Select[Any]] = {}


def _for_message(caps: Capabilities) -> Select[Any]:
    """The statement of ``get_for_message``, built once per engine (the aggregate differs)."""
    statement = _FOR_MESSAGE.get(caps.name)
    if statement is None:
        contacts = (
            select(caps.json_rows(participant.c.created_at, participant.c.contact_id))
            .where(
                participant.c.conversation_id == conversation.c.id,
                participant.c.workspace_id == conversation.c.workspace_id,
                participant.c.role == "contact",
            )
            .scalar_subquery()
        )
        channel_columns = (column.label(_CHANNEL_PREFIX + column.key) for column in channel.c)
        statement = _FOR_MESSAGE[caps.name] = prepared(
            select(conversation, *channel_columns, type_coerce(contacts, JSON).label("contacts"))
            .select_from(
                conversation.outerjoin(
                    channel,
                    and_(
                        channel.c.id == conversation.c.channel_id,
                        channel.c.workspace_id == conversation.c.workspace_id,
                    ),
                )
            )
            .where(_BY_ID)
        )
    return statement


_AT = bindparam("b_at", type_=conversation.c.last_message_at.type)
_COUNTED: dict[str, Any] = {
    "message_count": conversation.c.message_count + 1,
    "last_message_at": _latest(conversation.c.last_message_at, _AT),
    "updated_at": bindparam("b_now", type_=conversation.c.updated_at.type),
}
_RECORD_OUTBOUND = prepared(update(conversation).where(_BY_ID).values(**_COUNTED))
_RECORD_INBOUND = prepared(
    update(conversation)
    .where(_BY_ID)
    .values(**_COUNTED, last_inbound_at=_latest(conversation.c.last_inbound_at, _AT))
)
# The same, deferrable: PostgreSQL sends them with the message's INSERT (``count_message``).
_COUNT_OUTBOUND = prepared(update(conversation).where(_BY_ID).values(**_COUNTED), deferrable=True)
_COUNT_INBOUND = prepared(
    update(conversation)
    .where(_BY_ID)
    .values(**_COUNTED, last_inbound_at=_latest(conversation.c.last_inbound_at, _AT)),
    deferrable=True,
)
