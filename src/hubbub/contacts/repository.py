from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.engine import Row

from hubbub.contacts.schemas import Contact, ContactQuery, Identifier
from hubbub.db.keyset import keyset
from hubbub.db.models import contact, contact_identifier, conversation_participant
from hubbub.db.prepared import prepared
from hubbub.db.tag_values import tag_value_page
from hubbub.db.uow import Session
from hubbub.kit.cursors import Cursor, Order

ci = contact_identifier
_CONTACT_EXISTS = prepared(
    select(literal(1)).where(
        contact.c.id == bindparam("b_id"), contact.c.workspace_id == bindparam("b_workspace_id")
    )
)


@dataclass(frozen=True)
class ValueMatch:
    """Identifiers holding ``value`` under one of ``keys`` (any key when None) and under none of
    ``except_keys``. A lookup by value alone is several of these: values are normalized by key."""

    value: str
    keys: frozenset[str] | None = None
    except_keys: frozenset[str] = field(default_factory=frozenset)

    def condition(self) -> ColumnElement[bool]:
        clauses = [ci.c.value == self.value]
        if self.keys is not None:
            clauses.append(ci.c.key.in_(sorted(self.keys)))
        if self.except_keys:
            clauses.append(ci.c.key.not_in(sorted(self.except_keys)))
        return and_(*clauses)


@dataclass(frozen=True)
class TagFilter:
    key: str
    value: str | None = None  # None: the tag is present, whatever its value


class ContactRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    async def tag_values(
        self, workspace_id: str, key: str, *, after: str | None, limit: int
    ) -> tuple[list[str], str | None]:
        """A page of the distinct values of tag ``key`` on the workspace's contacts."""
        return await tag_value_page(
            self.session, contact, workspace_id, key, after=after, limit=limit
        )

    # -- writes ---------------------------------------------------------------------------

    async def insert_with_identifiers(
        self, values: dict[str, Any], identifiers: Sequence[Identifier], now: datetime
    ) -> bool:
        """Insert the contact and claim its identifiers, all or nothing: False, with nothing
        written, when another contact holds one of them."""

        async def write() -> bool:
            await self.session.conn.execute(insert(contact).values(**values))
            claimed = await self._insert_identifiers(
                values["workspace_id"], values["id"], identifiers, now
            )
            return claimed == len(identifiers)

        return await self._all_or_nothing(write)

    async def add_identifiers(
        self, workspace_id: str, contact_id: str, identifiers: Sequence[Identifier], now: datetime
    ) -> bool:
        """Claim identifiers for an existing contact, all or nothing (see above)."""

        async def write() -> bool:
            claimed = await self._insert_identifiers(workspace_id, contact_id, identifiers, now)
            return claimed == len(identifiers)

        return await self._all_or_nothing(write)

    async def _all_or_nothing(self, write: Callable[[], Awaitable[bool]]) -> bool:
        """Run ``write`` in a savepoint and keep what it wrote only when it returns True; the
        enclosing transaction goes on either way."""
        savepoint = await self.session.conn.begin_nested()
        try:
            keep = await write()
        except BaseException:
            await savepoint.rollback()
            raise
        if keep:
            await savepoint.commit()
        else:
            await savepoint.rollback()
        return keep

    async def _insert_identifiers(
        self, workspace_id: str, contact_id: str, identifiers: Sequence[Identifier], now: datetime
    ) -> int:
        """How many identifiers this call claimed. The primary key (workspace, key, value)
        settles races: on PostgreSQL a concurrent claim waits for the first one's transaction,
        then does nothing. Rows go in sorted so two overlapping claims lock in the same order
        and cannot deadlock."""
        if not identifiers:
            return 0
        rows = [
            {
                "workspace_id": workspace_id,
                "key": identifier.key,
                "value": identifier.value,
                "contact_id": contact_id,
                "created_at": now,
            }
            for identifier in sorted(identifiers, key=lambda i: (i.key, i.value))
        ]
        statement = self.session.caps.insert(ci).values(rows).on_conflict_do_nothing()
        result = await self.session.conn.execute(statement)
        return int(result.rowcount)

    async def update(self, workspace_id: str, contact_id: str, values: dict[str, Any]) -> None:
        await self.session.conn.execute(
            update(contact)
            .where(contact.c.workspace_id == workspace_id, contact.c.id == contact_id)
            .values(**values)
        )

    async def delete(self, workspace_id: str, contact_id: str) -> bool:
        """True when a row was deleted; its identifiers go with it (ON DELETE CASCADE)."""
        result = await self.session.conn.execute(
            delete(contact).where(
                contact.c.workspace_id == workspace_id, contact.c.id == contact_id
            )
        )
        return bool(result.rowcount)

    # -- reads ----------------------------------------------------------------------------

    async def get(self, workspace_id: str, contact_id: str) -> Contact | None:
        contacts = await self._load(
            select(contact).where(
                contact.c.workspace_id == workspace_id, contact.c.id == contact_id
            )
        )
        return contacts[0] if contacts else None

    async def get_many(self, workspace_id: str, contact_ids: Sequence[str]) -> list[Contact]:
        """The contacts of ``contact_ids`` that exist, with their identifiers, in that order."""
        if not contact_ids:
            return []
        found = await self._load(
            select(contact).where(
                contact.c.workspace_id == workspace_id, contact.c.id.in_(contact_ids)
            )
        )
        by_id = {item.id: item for item in found}
        return [by_id[contact_id] for contact_id in contact_ids if contact_id in by_id]

    async def exists(self, workspace_id: str, contact_id: str) -> bool:
        """One primary-key read: a message's author check runs it on the create path."""
        found = await self.session.conn.execute(
            _CONTACT_EXISTS, {"b_id": contact_id, "b_workspace_id": workspace_id}
        )
        return found.first() is not None

    async def owners(
        self, workspace_id: str, identifiers: Sequence[Identifier]
    ) -> dict[tuple[str, str], str]:
        """The contact holding each of ``identifiers`` that is held at all."""
        if not identifiers:
            return {}
        pairs = [(identifier.key, identifier.value) for identifier in identifiers]
        rows = await self.session.conn.execute(
            select(ci.c.key, ci.c.value, ci.c.contact_id).where(
                ci.c.workspace_id == workspace_id, tuple_(ci.c.key, ci.c.value).in_(pairs)
            )
        )
        return {(row.key, row.value): row.contact_id for row in rows}

    async def ids_matching(self, workspace_id: str, matches: Sequence[ValueMatch]) -> list[str]:
        if not matches:
            return []
        rows = await self.session.conn.execute(
            select(contact.c.id)
            .where(contact.c.id.in_(_identifier_subquery(workspace_id, matches)))
            .order_by(contact.c.created_at, contact.c.id)
        )
        return list(rows.scalars())

    async def find(self, workspace_id: str, matches: Sequence[ValueMatch]) -> list[Contact]:
        if not matches:
            return []
        return await self._load(
            select(contact)
            .where(
                contact.c.workspace_id == workspace_id,
                contact.c.id.in_(_identifier_subquery(workspace_id, matches)),
            )
            .order_by(contact.c.created_at, contact.c.id)
        )

    async def page(
        self,
        workspace_id: str,
        *,
        matches: Sequence[ValueMatch] | None,
        tag: TagFilter | None,
        after: Cursor | None,
        order: Order,
        limit: int,
    ) -> tuple[list[Contact], bool]:
        """Up to ``limit`` contacts in ``(created_at, id)`` order after the cursor, and whether
        more follow. ``matches=None`` does not filter by identifier; an empty list matches
        nothing."""
        if matches is not None and not matches:
            return [], False
        query = select(contact).where(contact.c.workspace_id == workspace_id)
        if matches is not None:
            query = query.where(contact.c.id.in_(_identifier_subquery(workspace_id, matches)))
        if tag is not None:
            query = query.where(self._tag_condition(tag))
        query = keyset(query, contact.c.created_at, contact.c.id, after, order)
        contacts = await self._load(query.limit(limit + 1))
        return contacts[:limit], len(contacts) > limit

    async def find_by_tags(self, workspace_id: str, wanted: dict[str, str]) -> Contact | None:
        """The oldest contact whose tags hold every pair of ``wanted``."""
        query = select(contact).where(
            contact.c.workspace_id == workspace_id,
            *(self._tag_condition(TagFilter(key, value)) for key, value in wanted.items()),
        )
        found = await self._load(query.order_by(contact.c.created_at, contact.c.id).limit(1))
        return found[0] if found else None

    async def page_matching(
        self,
        workspace_id: str,
        query: ContactQuery,
        *,
        after: Cursor | None,
        order: Order,
        limit: int,
    ) -> tuple[list[Contact], bool]:
        """Up to ``limit`` contacts matching ``query`` in ``(sort_field, id)`` order after the
        cursor (whose time is that field's), and whether more follow."""
        statement = select(contact).where(contact.c.workspace_id == workspace_id)
        for key, value in query.tags.items():
            statement = statement.where(self._tag_condition(TagFilter(key, value)))
        if query.conversation_id is not None:
            members = select(conversation_participant.c.contact_id).where(
                conversation_participant.c.workspace_id == workspace_id,
                conversation_participant.c.conversation_id == query.conversation_id,
            )
            statement = statement.where(contact.c.id.in_(members))
        ranged = contact.c[query.range_field]
        if query.after is not None:
            statement = statement.where(ranged >= query.after)
        if query.before is not None:
            statement = statement.where(ranged <= query.before)
        sort = contact.c[query.sort_field]
        statement = keyset(statement, sort, contact.c.id, after, order)
        contacts = await self._load(statement.limit(limit + 1))
        return contacts[:limit], len(contacts) > limit

    def _tag_condition(self, tag: TagFilter) -> ColumnElement[bool]:
        if tag.value is None:
            return self.session.caps.json_has_key(contact.c.tags, tag.key)
        # Not caps.json_has_pair: on PostgreSQL it binds its object as a JSON string, so its
        # containment test never matches. contact.tags has no GIN index for it to use anyway.
        return self.session.caps.json_text(contact.c.tags, tag.key) == tag.value

    async def _load(self, query: Any) -> list[Contact]:
        """Run a query over ``contact`` and attach the identifiers of all its rows at once."""
        rows = list(await self.session.conn.execute(query))
        identifiers = await self._identifiers_of([row.id for row in rows])
        return [_contact(row, identifiers.get(row.id, [])) for row in rows]

    async def _identifiers_of(self, contact_ids: list[str]) -> dict[str, list[Identifier]]:
        if not contact_ids:
            return {}
        rows = await self.session.conn.execute(
            select(ci.c.contact_id, ci.c.key, ci.c.value)
            .where(ci.c.contact_id.in_(contact_ids))
            .order_by(ci.c.created_at, ci.c.key, ci.c.value)
        )
        found: dict[str, list[Identifier]] = {}
        for row in rows:
            found.setdefault(row.contact_id, []).append(Identifier(key=row.key, value=row.value))
        return found


def _identifier_subquery(workspace_id: str, matches: Sequence[ValueMatch]) -> Any:
    return select(ci.c.contact_id).where(
        ci.c.workspace_id == workspace_id, or_(*(match.condition() for match in matches))
    )


def _contact(row: Row[Any], identifiers: list[Identifier]) -> Contact:
    return Contact.model_validate({**row._mapping, "identifiers": identifiers})
