"""Contacts and their identifiers. An identifier ``(key, value)`` names at most one contact in a
workspace; keys are lower-case and values are normalized by key (e-mail addresses lower-cased,
spaces dropped from phone numbers) so one person is not two contacts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from hubbub.contacts.repository import ContactRepository, TagFilter, ValueMatch
from hubbub.contacts.schemas import (
    Contact,
    ContactCreate,
    ContactGetOrCreateByTags,
    ContactQuery,
    ContactUpdate,
    Identifier,
)
from hubbub.db.uow import Session
from hubbub.discriminators import service as discriminators
from hubbub.errors import Conflict, InvalidInput, NotFound
from hubbub.kit.clock import to_micros, utcnow
from hubbub.kit.cursors import Cursor, Order
from hubbub.kit.ids import new_id
from hubbub.kit.tags import (
    TagPatch,
    apply_client_tag_patch,
    apply_tag_patch,
    check_client_tags,
    discriminating_tags,
    discriminator_digest,
    tags_match,
)

EMAIL_KEYS = frozenset({"emailaddress", "email"})
PHONE_KEYS = frozenset({"phonenumber", "phone"})
MAX_PAGE = 500
MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 320
MAX_NAME_LENGTH = 200
_KEY_PATTERN = re.compile(r"^[a-z0-9_:.-]+$")
# Get-or-create loses a race only to a contact deleted between its claim and our read: rare
# enough that a couple of retries always settle it.
_GET_OR_CREATE_ATTEMPTS = 3
TAGS_KIND = "contact"


def normalize_key(key: str) -> str:
    normalized = key.strip().lower()
    if not _KEY_PATTERN.match(normalized) or len(normalized) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"identifier keys are 1 to {MAX_KEY_LENGTH} of a-z 0-9 _ : . -", field="key"
        )
    return normalized


def normalize_value(key: str, value: str) -> str:
    """The stored form of ``value`` under the (already normalized) ``key``."""
    if key in EMAIL_KEYS:
        return value.strip().lower()
    if key in PHONE_KEYS:
        return "".join(value.split())
    return value.strip()


def normalize_identifier(key: str, value: str) -> Identifier:
    key = normalize_key(key)
    value = normalize_value(key, value)
    if not value or len(value) > MAX_VALUE_LENGTH:
        raise InvalidInput(
            f"identifier values are 1 to {MAX_VALUE_LENGTH} characters", field="value"
        )
    return Identifier(key=key, value=value)


def normalize_identifiers(identifiers: Iterable[Identifier]) -> list[Identifier]:
    """Normalized, without duplicates, in their first order."""
    unique: dict[tuple[str, str], Identifier] = {}
    for identifier in identifiers:
        normalized = normalize_identifier(identifier.key, identifier.value)
        unique.setdefault((normalized.key, normalized.value), normalized)
    return list(unique.values())


def value_matches(value: str) -> list[ValueMatch]:
    """A lookup by value alone, whatever the key: the value as each kind of key stores it."""
    candidates = [
        ValueMatch(value=normalize_value("emailaddress", value), keys=EMAIL_KEYS),
        ValueMatch(value=normalize_value("phonenumber", value), keys=PHONE_KEYS),
        ValueMatch(value=value.strip(), except_keys=EMAIL_KEYS | PHONE_KEYS),
    ]
    return [candidate for candidate in candidates if candidate.value]


def address_of(contact: Contact, key: str | None) -> Identifier | None:
    """The identifier we address ``contact`` at on a platform whose identifier key is ``key``:
    the contact's identifier under that key, else its first one (None: it has none)."""
    under_key = next((i for i in contact.identifiers if i.key == key), None)
    return under_key or next(iter(contact.identifiers), None)


def parse_tag_filter(tag: str) -> TagFilter:
    """``key`` (the tag is set) or ``key=value``."""
    key, sep, value = tag.partition("=")
    if not key or (sep and not value):
        raise InvalidInput("a tag filter reads 'key' or 'key=value'", field="tag")
    check_client_tags([key], field="tag")
    return TagFilter(key=key, value=value if sep else None)


class ContactService:
    async def create(self, session: Session, workspace_id: str, data: ContactCreate) -> Contact:
        """Conflict when another contact of the workspace already holds an identifier."""
        check_client_tags(data.tags)
        identifiers = _in_stored_order(normalize_identifiers(data.identifiers))
        now = utcnow()
        contact = Contact(
            id=new_id(),
            workspace_id=workspace_id,
            name=data.name,
            identifiers=identifiers,
            attributes=data.attributes,
            tags=data.tags,
            created_at=now,
            updated_at=now,
        )
        repository = ContactRepository(session)
        if not await repository.insert_with_identifiers(_row(contact), identifiers, now):
            raise await _taken(repository, workspace_id, identifiers)
        return contact

    async def get_or_create_by_identifier(
        self,
        session: Session,
        workspace_id: str,
        *,
        key: str,
        value: str,
        name: str | None = None,
    ) -> tuple[Contact, bool]:
        """The contact holding ``(key, value)``, created (with ``name``) when there is none.
        Concurrent identical calls create one contact: each claims the identifier, and only
        the claim that wins keeps its new contact row."""
        identifier = normalize_identifier(key, value)
        if name is not None and len(name) > MAX_NAME_LENGTH:
            raise InvalidInput(f"names are at most {MAX_NAME_LENGTH} characters", field="name")
        repository = ContactRepository(session)
        for _ in range(_GET_OR_CREATE_ATTEMPTS):
            found = await repository.find(workspace_id, [_exact(identifier)])
            if found:
                return found[0], False
            now = utcnow()
            contact = Contact(
                id=new_id(),
                workspace_id=workspace_id,
                name=name,
                identifiers=[identifier],
                created_at=now,
                updated_at=now,
            )
            if await repository.insert_with_identifiers(_row(contact), [identifier], now):
                return contact, True
        raise Conflict(f"identifier {identifier.key}={identifier.value} is contended; retry")

    async def get_or_create_by_tags(
        self, session: Session, workspace_id: str, data: ContactGetOrCreateByTags
    ) -> tuple[Contact, bool]:
        """The contact whose tags match (Botpress's rule, see ``hubbub.kit.tags``), with the
        request's tags applied; or a new one with ``name`` and ``attributes``. Concurrent
        identical calls race on the discriminator digest, so exactly one of them creates."""
        check_client_tags(data.tags)
        check_client_tags(data.discriminate_by_tags or (), field="discriminate_by_tags")
        wanted = discriminating_tags(data.tags, data.discriminate_by_tags)
        if not wanted:
            return await self._insert_tagged(session, workspace_id, data, new_id()), True
        digest = discriminator_digest(TAGS_KIND, "", wanted)
        repository = ContactRepository(session)

        def matches(found: Contact) -> bool:
            return tags_match(found.tags, wanted)

        load = discriminators.loader(partial(repository.get, workspace_id), matches)

        async def create(contact_id: str) -> Contact:
            return await self._insert_tagged(session, workspace_id, data, contact_id)

        find = partial(repository.find_by_tags, workspace_id, wanted)
        claim = discriminators.Claim(TAGS_KIND, digest, "contact")
        found, created = await discriminators.get_or_create(
            session, workspace_id, claim, load, find, create
        )
        if not created:  # matched: the request's tags are applied to it
            found = await self._apply_tags(session, found, data.tags, digest)
        return found, created

    async def list_matching(
        self,
        session: Session,
        workspace_id: str,
        query: ContactQuery,
        *,
        limit: int = 50,
        cursor: Cursor | None = None,
        order: Order = "desc",
    ) -> tuple[list[Contact], Cursor | None]:
        """A page of contacts matching ``query`` and the next page's cursor (None at the end).
        The cursor's time is the sort field's; a cursor's own order wins."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        check_client_tags(query.tags)
        if cursor is not None:
            order = cursor.order
        contacts, more = await ContactRepository(session).page_matching(
            workspace_id, query, after=cursor, order=order, limit=limit
        )
        if not more:
            return contacts, None
        last = contacts[-1]
        position = last.created_at if query.sort_field == "created_at" else last.updated_at
        return contacts, Cursor(created_us=to_micros(position), id=last.id, order=order)

    async def _insert_tagged(
        self, session: Session, workspace_id: str, data: ContactGetOrCreateByTags, contact_id: str
    ) -> Contact:
        now = utcnow()
        contact = Contact(
            id=contact_id,
            workspace_id=workspace_id,
            name=data.name,
            attributes=data.attributes,
            tags=apply_tag_patch({}, data.tags),
            created_at=now,
            updated_at=now,
        )
        await ContactRepository(session).insert_with_identifiers(_row(contact), [], now)
        return contact

    async def _apply_tags(
        self, session: Session, found: Contact, tags: TagPatch, digest: str
    ) -> Contact:
        """Patch the matched contact's tags; when they change, its old claims are released
        and the one this request matched by is taken again."""
        merged = apply_client_tag_patch(found.tags, tags)
        if merged == found.tags:
            return found
        now = utcnow()
        await ContactRepository(session).update(
            found.workspace_id, found.id, {"tags": merged, "updated_at": now}
        )
        await discriminators.reclaim(
            session, found.workspace_id, found.id, kind=TAGS_KIND, digest=digest
        )
        return found.model_copy(update={"tags": merged, "updated_at": now})

    async def tag_values(
        self, session: Session, workspace_id: str, key: str, *, after: str | None, limit: int
    ) -> tuple[list[str], str | None]:
        """A page of the distinct values of tag ``key`` on the workspace's contacts, in order,
        after ``after``; and the value the next page starts after (None at the end)."""
        check_client_tags([key], field="key")
        return await ContactRepository(session).tag_values(
            workspace_id, key, after=after, limit=limit
        )

    async def get(self, session: Session, workspace_id: str, contact_id: str) -> Contact | None:
        return await ContactRepository(session).get(workspace_id, contact_id)

    async def exists(self, session: Session, workspace_id: str, contact_id: str) -> bool:
        return await ContactRepository(session).exists(workspace_id, contact_id)

    async def get_or_raise(self, session: Session, workspace_id: str, contact_id: str) -> Contact:
        contact = await self.get(session, workspace_id, contact_id)
        if contact is None:
            raise NotFound("contact", contact_id)
        return contact

    async def get_many(
        self, session: Session, workspace_id: str, contact_ids: Sequence[str]
    ) -> list[Contact]:
        """The contacts of ``contact_ids`` that exist, in that order, read together."""
        return await ContactRepository(session).get_many(workspace_id, contact_ids)

    async def update(
        self, session: Session, workspace_id: str, contact_id: str, data: ContactUpdate
    ) -> Contact:
        contact = await self.get_or_raise(session, workspace_id, contact_id)
        repository = ContactRepository(session)
        now = utcnow()
        held = {(i.key, i.value) for i in contact.identifiers}
        added = [
            i for i in normalize_identifiers(data.add_identifiers) if (i.key, i.value) not in held
        ]
        if added and not await repository.add_identifiers(workspace_id, contact_id, added, now):
            raise await _taken(repository, workspace_id, added)
        changes = _changes(contact, data)
        if not changes and not added:
            return contact
        changes["updated_at"] = now
        await repository.update(workspace_id, contact_id, changes)
        identifiers = contact.identifiers + _in_stored_order(added)
        return contact.model_copy(update={**changes, "identifiers": identifiers})

    async def delete(self, session: Session, workspace_id: str, contact_id: str) -> None:
        if not await ContactRepository(session).delete(workspace_id, contact_id):
            raise NotFound("contact", contact_id)

    async def find_by_identifier(
        self, session: Session, workspace_id: str, *, value: str, key: str | None = None
    ) -> list[Contact]:
        """The contacts holding ``value``: under ``key`` (at most one), or under any key."""
        return await ContactRepository(session).find(workspace_id, _lookup(value, key))

    async def contact_ids_for_identifier(
        self, session: Session, workspace_id: str, value: str
    ) -> list[str]:
        return await ContactRepository(session).ids_matching(workspace_id, value_matches(value))

    # Last in the class: below this method, ``list[...]`` in the class body would name it.
    async def list(
        self,
        session: Session,
        workspace_id: str,
        *,
        identifier: str | None = None,
        tag: str | None = None,
        limit: int = 50,
        cursor: Cursor | None = None,
        order: Order = "desc",
    ) -> tuple[list[Contact], Cursor | None]:
        """A page of contacts and the cursor of the next one (None at the end). A cursor
        carries the order it was issued for, and that order wins."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if cursor is not None:
            order = cursor.order
        contacts, more = await ContactRepository(session).page(
            workspace_id,
            matches=None if identifier is None else value_matches(identifier),
            tag=None if tag is None else parse_tag_filter(tag),
            after=cursor,
            order=order,
            limit=limit,
        )
        if not more:
            return contacts, None
        last = contacts[-1]
        return contacts, Cursor(created_us=to_micros(last.created_at), id=last.id, order=order)


def _lookup(value: str, key: str | None) -> list[ValueMatch]:
    if key is None:
        return value_matches(value)
    key = normalize_key(key)
    normalized = normalize_value(key, value)
    return [ValueMatch(value=normalized, keys=frozenset({key}))] if normalized else []


def _in_stored_order(identifiers: list[Identifier]) -> list[Identifier]:
    """The order a load returns identifiers claimed together in, so that what a write returns
    equals what a later read does."""
    return sorted(identifiers, key=lambda identifier: (identifier.key, identifier.value))


def _exact(identifier: Identifier) -> ValueMatch:
    return ValueMatch(value=identifier.value, keys=frozenset({identifier.key}))


def _row(contact: Contact) -> dict[str, Any]:
    return contact.model_dump(exclude={"identifiers"})


def _changes(contact: Contact, data: ContactUpdate) -> dict[str, Any]:
    """The columns a patch sets: an explicit null name clears it; attributes are replaced;
    tags are patched (a None or empty value removes the tag)."""
    changes: dict[str, Any] = {}
    if "name" in data.model_fields_set and data.name != contact.name:
        changes["name"] = data.name
    if data.attributes is not None:
        changes["attributes"] = data.attributes
    if data.tags is not None:
        check_client_tags(data.tags)
        changes["tags"] = apply_client_tag_patch(contact.tags, data.tags)
    return changes


async def _taken(
    repository: ContactRepository, workspace_id: str, identifiers: list[Identifier]
) -> Conflict:
    """The Conflict naming which of ``identifiers`` other contacts hold."""
    owners = await repository.owners(workspace_id, identifiers)
    taken = [
        {"key": key, "value": value, "contact_id": owner}
        for (key, value), owner in sorted(owners.items())
    ]
    names = ", ".join(f"{item['key']}={item['value']}" for item in taken) or "an identifier"
    return Conflict(f"{names} already belongs to another contact", details={"identifiers": taken})


contact = ContactService()
