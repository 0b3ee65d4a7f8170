"""ContactService against the real database. Fixtures that open their own transaction
(``workspace``, ``other_workspace``) come before ``session``: on SQLite a second write
transaction would wait for the session's forever."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, event

from hubbub.contacts.schemas import Contact, ContactCreate, ContactUpdate, Identifier
from hubbub.contacts.service import contact as contact_service
from hubbub.db.uow import Database, Session
from hubbub.errors import Conflict, InvalidInput, NotFound
from tests.conftest import WorkspaceFixture


def new_contact(*identifiers: tuple[str, str], **fields: Any) -> ContactCreate:
    return ContactCreate.model_validate(
        {"identifiers": [{"key": k, "value": v} for k, v in identifiers], **fields}
    )


def pairs(contact: Contact) -> set[tuple[str, str]]:
    return {(i.key, i.value) for i in contact.identifiers}


@contextmanager
def count_statements(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    # Both engines' connections wrap a synchronous SQLAlchemy Connection; events live there.
    connection = getattr(session.conn, "sync_connection", None)
    assert isinstance(connection, Connection)
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


class TestCreate:
    async def test_stores_the_contact_with_normalized_identifiers(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await contact_service.create(
            session,
            workspace.id,
            new_contact(
                ("emailaddress", "  Alice@Example.COM "),
                ("phonenumber", "+1 555 0100"),
                ("userid", "Alice-1"),
                ("emailaddress", "alice@example.com"),  # the same address again
                name="Alice",
                attributes={"plan": "pro"},
                tags={"vip": "yes"},
            ),
        )
        assert pairs(created) == {
            ("emailaddress", "alice@example.com"),
            ("phonenumber", "+15550100"),
            ("userid", "Alice-1"),
        }
        loaded = await contact_service.get_or_raise(session, workspace.id, created.id)
        assert (loaded.name, loaded.attributes, loaded.tags) == (
            "Alice",
            {"plan": "pro"},
            {"vip": "yes"},
        )
        assert loaded == created

    async def test_a_taken_identifier_is_a_conflict_and_writes_nothing(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        owner = await contact_service.create(session, workspace.id, new_contact(("userid", "u1")))
        with pytest.raises(Conflict) as raised:
            await contact_service.create(
                session, workspace.id, new_contact(("userid", "u2"), ("userid", "u1"))
            )
        assert raised.value.details == {
            "identifiers": [{"key": "userid", "value": "u1", "contact_id": owner.id}]
        }
        # The failed create left neither its contact nor its free identifier behind, and the
        # transaction is still usable (PostgreSQL aborts a transaction on an error).
        assert await contact_service.contact_ids_for_identifier(session, workspace.id, "u2") == []
        page, _ = await contact_service.list(session, workspace.id, limit=10)
        assert [c.id for c in page] == [owner.id]

    async def test_identifiers_are_unique_per_workspace_only(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        mine = await contact_service.create(session, workspace.id, new_contact(("userid", "u1")))
        theirs = await contact_service.create(
            session, other_workspace.id, new_contact(("userid", "u1"))
        )
        assert mine.id != theirs.id

    async def test_concurrent_creates_of_one_identifier_create_one_contact(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        async def create() -> str | None:
            try:
                async with database.transaction() as session:
                    created = await contact_service.create(
                        session, workspace.id, new_contact(("emailaddress", "race@example.com"))
                    )
                    return created.id
            except Conflict:
                return None

        results = await asyncio.gather(*(create() for _ in range(10)))
        winners = [r for r in results if r is not None]
        assert len(winners) == 1
        async with database.read() as session:
            found = await contact_service.find_by_identifier(
                session, workspace.id, value="race@example.com"
            )
        assert [c.id for c in found] == winners


class TestGetOrCreateByIdentifier:
    async def test_creates_then_finds(self, workspace: WorkspaceFixture, session: Session) -> None:
        created, was_created = await contact_service.get_or_create_by_identifier(
            session, workspace.id, key="emailaddress", value="bob@example.com", name="Bob"
        )
        found, found_created = await contact_service.get_or_create_by_identifier(
            session, workspace.id, key="EmailAddress", value=" BOB@example.com", name="Robert"
        )
        assert (was_created, found_created) == (True, False)
        assert found == created
        assert found.name == "Bob"
        assert pairs(found) == {("emailaddress", "bob@example.com")}

    async def test_finds_a_contact_made_by_create(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        made = await contact_service.create(
            session, workspace.id, new_contact(("phonenumber", "+15550199"), ("userid", "x"))
        )
        found, created = await contact_service.get_or_create_by_identifier(
            session, workspace.id, key="phonenumber", value="+1 555 0199"
        )
        assert (found.id, created) == (made.id, False)
        assert pairs(found) == pairs(made)

    @pytest.mark.parametrize(
        ("key", "value", "field"),
        [
            ("bad key", "x", "key"),
            ("", "x", "key"),
            ("userid", "   ", "value"),
            ("k" * 65, "x", "key"),
        ],
    )
    async def test_rejects_invalid_identifiers(
        self, workspace: WorkspaceFixture, session: Session, key: str, value: str, field: str
    ) -> None:
        with pytest.raises(InvalidInput) as raised:
            await contact_service.get_or_create_by_identifier(
                session, workspace.id, key=key, value=value
            )
        assert raised.value.field == field

    async def test_fifty_concurrent_calls_create_one_contact(
        self, database: Database, workspace: WorkspaceFixture
    ) -> None:
        async def get_or_create() -> tuple[str, bool]:
            async with database.transaction() as session:
                found, created = await contact_service.get_or_create_by_identifier(
                    session, workspace.id, key="phonenumber", value="+1 555 0142", name="Racer"
                )
                return found.id, created

        results = await asyncio.gather(*(get_or_create() for _ in range(50)))
        assert len({contact_id for contact_id, _ in results}) == 1
        assert sum(created for _, created in results) == 1
        async with database.read() as session:
            page, next_cursor = await contact_service.list(session, workspace.id, limit=500)
        assert [c.id for c in page] == [results[0][0]]
        assert next_cursor is None


class TestGet:
    async def test_a_contact_of_another_workspace_is_not_found(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await contact_service.create(session, workspace.id, new_contact(("userid", "a")))
        assert await contact_service.get(session, other_workspace.id, created.id) is None
        with pytest.raises(NotFound) as raised:
            await contact_service.get_or_raise(session, other_workspace.id, created.id)
        assert (raised.value.resource, raised.value.resource_id) == ("contact", created.id)


class TestUpdate:
    async def test_patches_name_attributes_and_tags(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await contact_service.create(
            session,
            workspace.id,
            new_contact(
                name="Ann", attributes={"a": 1}, tags={"keep": "1", "drop": "2", "blank": "3"}
            ),
        )
        patch = ContactUpdate.model_validate(
            {"attributes": {"b": 2}, "tags": {"drop": None, "blank": "", "new": "4"}}
        )
        updated = await contact_service.update(session, workspace.id, created.id, patch)
        assert (updated.name, updated.attributes) == ("Ann", {"b": 2})
        assert updated.tags == {"keep": "1", "new": "4"}
        assert updated.updated_at > created.updated_at
        assert await contact_service.get(session, workspace.id, created.id) == updated

    async def test_an_explicit_null_clears_the_name(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await contact_service.create(session, workspace.id, new_contact(name="Ann"))
        patch = ContactUpdate.model_validate({"name": None})
        updated = await contact_service.update(session, workspace.id, created.id, patch)
        assert updated.name is None
        assert (await contact_service.get_or_raise(session, workspace.id, created.id)).name is None

    async def test_adds_identifiers(self, workspace: WorkspaceFixture, session: Session) -> None:
        created = await contact_service.create(session, workspace.id, new_contact(("userid", "c1")))
        patch = ContactUpdate(
            add_identifiers=[
                Identifier(key="userid", value="c1"),  # already held: kept once
                Identifier(key="emailaddress", value="C@Example.com"),
            ]
        )
        updated = await contact_service.update(session, workspace.id, created.id, patch)
        expected = {("userid", "c1"), ("emailaddress", "c@example.com")}
        assert pairs(updated) == expected
        assert (
            pairs(await contact_service.get_or_raise(session, workspace.id, created.id)) == expected
        )

    async def test_adding_a_taken_identifier_is_a_conflict_and_changes_nothing(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        owner = await contact_service.create(session, workspace.id, new_contact(("userid", "t1")))
        other = await contact_service.create(session, workspace.id, new_contact(name="Other"))
        patch = ContactUpdate(
            name="Changed",
            add_identifiers=[
                Identifier(key="userid", value="t2"),
                Identifier(key="userid", value="t1"),
            ],
        )
        with pytest.raises(Conflict) as raised:
            await contact_service.update(session, workspace.id, other.id, patch)
        assert raised.value.details["identifiers"] == [
            {"key": "userid", "value": "t1", "contact_id": owner.id}
        ]
        assert await contact_service.get(session, workspace.id, other.id) == other
        assert await contact_service.contact_ids_for_identifier(session, workspace.id, "t2") == []

    async def test_a_contact_of_another_workspace_is_not_found(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await contact_service.create(session, workspace.id, new_contact(name="Mine"))
        with pytest.raises(NotFound):
            await contact_service.update(
                session, other_workspace.id, created.id, ContactUpdate(name="Theirs")
            )
        assert (
            await contact_service.get_or_raise(session, workspace.id, created.id)
        ).name == "Mine"


class TestDelete:
    async def test_removes_the_contact_and_frees_its_identifiers(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await contact_service.create(session, workspace.id, new_contact(("userid", "d1")))
        await contact_service.delete(session, workspace.id, created.id)
        assert await contact_service.get(session, workspace.id, created.id) is None
        again, was_created = await contact_service.get_or_create_by_identifier(
            session, workspace.id, key="userid", value="d1"
        )
        assert was_created
        assert again.id != created.id

    async def test_a_contact_of_another_workspace_is_not_found(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await contact_service.create(session, workspace.id, new_contact())
        with pytest.raises(NotFound):
            await contact_service.delete(session, other_workspace.id, created.id)
        assert await contact_service.get(session, workspace.id, created.id) == created


class TestFindByIdentifier:
    async def test_matches_values_as_each_key_stores_them(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        email = await contact_service.create(
            session, workspace.id, new_contact(("emailaddress", "Dana@Example.com"))
        )
        phone = await contact_service.create(
            session, workspace.id, new_contact(("phonenumber", "+44 20 7946 0000"))
        )
        user = await contact_service.create(session, workspace.id, new_contact(("userid", "Dana")))

        async def ids(value: str, key: str | None = None) -> list[str]:
            found = await contact_service.find_by_identifier(
                session, workspace.id, value=value, key=key
            )
            return [c.id for c in found]

        assert await ids("DANA@example.com") == [email.id]
        assert await ids("+442079460000") == [phone.id]
        assert await ids("Dana") == [user.id]
        assert await ids("dana") == []  # user ids are case-sensitive
        assert await ids("Dana@Example.com", key="EmailAddress") == [email.id]
        assert await ids("Dana@Example.com", key="userid") == []
        assert await contact_service.contact_ids_for_identifier(
            session, workspace.id, " dana@example.com "
        ) == [email.id]

    async def test_does_not_cross_workspaces(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        await contact_service.create(session, workspace.id, new_contact(("userid", "f1")))
        assert (
            await contact_service.find_by_identifier(session, other_workspace.id, value="f1") == []
        )
        assert (
            await contact_service.contact_ids_for_identifier(session, other_workspace.id, "f1")
            == []
        )


class TestList:
    async def test_pages_to_the_end_without_loss_or_repeat(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = [
            await contact_service.create(session, workspace.id, new_contact(("userid", f"p{n}")))
            for n in range(11)
        ]
        for order in ("asc", "desc"):
            seen: list[str] = []
            page, cursor = await contact_service.list(session, workspace.id, limit=3, order=order)
            seen += [c.id for c in page]
            while cursor is not None:
                assert len(page) == 3
                page, cursor = await contact_service.list(
                    session, workspace.id, limit=3, cursor=cursor
                )
                seen += [c.id for c in page]
            expected = [c.id for c in created]
            assert seen == (expected if order == "asc" else expected[::-1])

    async def test_a_page_loads_its_identifiers_in_one_query(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        for n in range(5):
            await contact_service.create(
                session,
                workspace.id,
                new_contact(("userid", f"q{n}"), ("emailaddress", f"q{n}@x.io")),
            )
        with count_statements(session) as statements:
            page, _ = await contact_service.list(session, workspace.id, limit=5)
        assert len(page) == 5
        assert all(len(c.identifiers) == 2 for c in page)
        assert len(statements) == 2

    async def test_filters_by_identifier_and_tag(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        gold = await contact_service.create(
            session, workspace.id, new_contact(("userid", "g1"), tags={"tier": "gold"})
        )
        silver = await contact_service.create(
            session, workspace.id, new_contact(("emailaddress", "s@x.io"), tags={"tier": "silver"})
        )
        await contact_service.create(session, workspace.id, new_contact(tags={"other": "x"}))

        async def ids(**filters: Any) -> list[str]:
            page, _ = await contact_service.list(
                session, workspace.id, limit=50, order="asc", **filters
            )
            return [c.id for c in page]

        assert await ids(tag="tier") == [gold.id, silver.id]
        assert await ids(tag="tier=silver") == [silver.id]
        assert await ids(tag="tier=bronze") == []
        assert await ids(identifier="S@X.io") == [silver.id]
        assert await ids(identifier="g1", tag="tier=gold") == [gold.id]
        assert await ids(identifier="g1", tag="tier=silver") == []
        assert await ids(identifier="   ") == []

    @pytest.mark.parametrize(
        ("filters", "field"),
        [
            ({"tag": "=x"}, "tag"),
            ({"tag": "k="}, "tag"),
            ({"limit": 0}, "limit"),
            ({"limit": 501}, "limit"),
        ],
    )
    async def test_rejects_invalid_arguments(
        self, workspace: WorkspaceFixture, session: Session, filters: dict[str, Any], field: str
    ) -> None:
        arguments: dict[str, Any] = {"limit": 10, **filters}
        with pytest.raises(InvalidInput) as raised:
            await contact_service.list(session, workspace.id, **arguments)
        assert raised.value.field == field
