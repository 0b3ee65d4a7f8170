"""The engine capabilities against real tables: JSON lookups with awkward keys and values, and
full-text queries built from hostile input, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from hubbub.db.engine import capabilities_for
from hubbub.db.models import contact, message
from hubbub.db.uow import Database, Session
from tests.db.rows import Thread, insert_contact, insert_message, insert_thread, insert_workspace

AWKWARD_KEYS = [
    "plain",
    "a.b",
    'quo"te',
    "back\\slash",
    "new\nline",
    "$",
    "[0]",
    "sp ace",
    "émoji🙂",
    "*",
    "",
]
SQLITE = capabilities_for("sqlite+aiosqlite:///x.db")
POSTGRES = capabilities_for("postgresql+asyncpg://localhost/x")


async def contacts_where(session: Session, workspace_id: str, condition: object) -> set[str]:
    rows = await session.conn.execute(
        select(contact.c.id).where(contact.c.workspace_id == workspace_id, condition)  # type: ignore[arg-type]
    )
    return set(rows.scalars())


class TestJsonObjects:
    @pytest.mark.parametrize("key", AWKWARD_KEYS)
    async def test_has_pair_and_has_key_match_exactly_that_key(
        self, database: Database, key: str
    ) -> None:
        async with database.transaction() as session:
            workspace_id = await insert_workspace(session)
            holder = await insert_contact(session, workspace_id, {key: "v' OR 1=1 --"})
            other_value = await insert_contact(session, workspace_id, {key: "other"})
            nested = await insert_contact(session, workspace_id, {"a": "b", "other": key})
            caps = session.caps

            found = await contacts_where(
                session, workspace_id, caps.json_has_pair(contact.c.tags, key, "v' OR 1=1 --")
            )
            assert found == {holder}
            found = await contacts_where(
                session, workspace_id, caps.json_has_key(contact.c.tags, key)
            )
            assert found == {holder, other_value}
            assert nested not in found

    async def test_a_dotted_key_is_one_key_not_a_path(self, database: Database) -> None:
        async with database.transaction() as session:
            workspace_id = await insert_workspace(session)
            flat = await insert_contact(session, workspace_id, {"a.b": "1"})
            await insert_contact(session, workspace_id, {"a": "1", "b": "1"})
            caps = session.caps
            assert await contacts_where(
                session, workspace_id, caps.json_has_pair(contact.c.tags, "a.b", "1")
            ) == {flat}
            assert await contacts_where(
                session, workspace_id, caps.json_has_key(contact.c.tags, "a.b")
            ) == {flat}

    async def test_values_compare_as_whole_strings(self, database: Database) -> None:
        async with database.transaction() as session:
            workspace_id = await insert_workspace(session)
            exact = await insert_contact(session, workspace_id, {"order": "42"})
            await insert_contact(session, workspace_id, {"order": "420"})
            await insert_contact(session, workspace_id, {"order": "4"})
            found = await contacts_where(
                session, workspace_id, session.caps.json_has_pair(contact.c.tags, "order", "42")
            )
            assert found == {exact}


class TestJsonArrays:
    async def test_finds_the_messages_with_a_matching_object(self, database: Database) -> None:
        async with database.transaction() as session:
            thread = await insert_thread(session)
            to_alice = await insert_message(
                session,
                thread,
                "hi",
                recipients=[{"value": "bob@x.test", "type": "cc"}, {"value": "alice@x.test"}],
            )
            await insert_message(session, thread, "hi", recipients=[{"value": "bob@x.test"}])
            await insert_message(session, thread, "hi", recipients=[])
            hostile = await insert_message(
                session, thread, "hi", recipients=[{"value": "') OR 1=1 --", 'k.e"y': "x"}]
            )
            caps = session.caps

            async def matching(field: str, value: str) -> set[str]:
                rows = await session.conn.execute(
                    select(message.c.id).where(
                        message.c.workspace_id == thread.workspace_id,
                        caps.json_array_has_object_with(message.c.recipients, field, value),
                    )
                )
                return set(rows.scalars())

            assert await matching("value", "alice@x.test") == {to_alice}
            assert await matching("type", "cc") == {to_alice}
            assert await matching("value", "alice") == set()
            assert await matching("value", "') OR 1=1 --") == {hostile}
            assert await matching('k.e"y', "x") == {hostile}

    async def test_several_lookups_in_one_statement_keep_their_own_values(
        self, database: Database
    ) -> None:
        async with database.transaction() as session:
            thread = await insert_thread(session)
            both = await insert_message(
                session, thread, "hi", recipients=[{"value": "a@x.test"}, {"contact_id": "c1"}]
            )
            await insert_message(session, thread, "hi", recipients=[{"value": "a@x.test"}])
            caps = session.caps
            rows = await session.conn.execute(
                select(message.c.id).where(
                    message.c.workspace_id == thread.workspace_id,
                    caps.json_array_has_object_with(message.c.recipients, "value", "a@x.test"),
                    caps.json_array_has_object_with(message.c.recipients, "contact_id", "c1"),
                )
            )
            assert rows.scalars().all() == [both]


class TestFulltextQuery:
    @pytest.mark.parametrize(
        ("text", "sqlite", "postgres"),
        [
            ("hello", '"hello"', "hello"),
            ("Hello world", '"Hello" "world"', "Hello & world"),
            ("hel* world", '"hel"* "world"', "hel:* & world"),
            ('"a" OR b*', '"a" "OR" "b"*', "a & OR & b:*"),
            ("a:* | !b & (c)", '"a" "b" "c"', "a & b & c"),
            ("NEAR(x y) ^col: -z", '"NEAR" "x" "y" "col" "z"', "NEAR & x & y & col & z"),
            ("o'brien", '"o" "brien"', "o & brien"),
            ("café  naïve", '"café" "naïve"', "café & naïve"),
            ("a** *b", '"a"* "b"', "a:* & b"),
        ],
    )
    def test_keeps_only_words(self, text: str, sqlite: str, postgres: str) -> None:
        assert SQLITE.fulltext_query(text) == sqlite
        assert POSTGRES.fulltext_query(text) == postgres

    @pytest.mark.parametrize("text", ["", "   ", "!!!", '""', "*", "-:|&()", "\x00"])
    def test_no_word_means_no_query(self, text: str) -> None:
        assert SQLITE.fulltext_query(text) is None
        assert POSTGRES.fulltext_query(text) is None


class TestFulltextSearch:
    @pytest.fixture
    def texts(self) -> dict[str, str]:
        return {
            "greeting": "Hello world, the parcel shipped",
            "boolean": "alpha or beta and gamma",
            "irish": "Dear O'Brien, café is naïve",
            "code": "see __init__ and foo_bar",
        }

    async def search(self, session: Session, thread: Thread, query: str) -> set[str]:
        fts = session.caps.fulltext_query(query)
        if fts is None:
            return set()
        rows = await session.conn.execute(
            select(message.c.id).where(
                message.c.workspace_id == thread.workspace_id,
                session.caps.fulltext_condition(message, fts),
            )
        )
        return set(rows.scalars())

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("shipped", {"greeting"}),
            ("ship", set()),  # a word matches whole words only
            ("ship*", {"greeting"}),  # unless it asks to be a prefix
            ("hel* parc*", {"greeting"}),
            ("HELLO parcel", {"greeting"}),
            ("hello beta", set()),  # every word must match
            ('"alpha" OR bet*', {"boolean"}),
            ("alpha NOT", set()),
            ("o'brien", {"irish"}),
            ("cafe naive", {"irish"}),  # diacritics folded on SQLite; see below
            ("__init__", {"code"}),
            ("foo_bar", {"code"}),
            ("_", set()),
            ("a:* | !b & (c)", set()),
            ("NEAR(x y) ^col: -z", set()),
            ("subject:parcel", set()),
            ("' OR 1=1 --", set()),
            ("\x00 hello", {"greeting"}),
            ("", set()),
        ],
    )
    async def test_hostile_input_is_only_ever_words(
        self, database: Database, texts: dict[str, str], query: str, expected: set[str]
    ) -> None:
        async with database.transaction() as session:
            thread = await insert_thread(session)
            ids = {
                name: await insert_message(session, thread, body) for name, body in texts.items()
            }
        names = {message_id: name for name, message_id in ids.items()}
        async with database.read() as session:
            found = {names[i] for i in await self.search(session, thread, query)}
        if query == "cafe naive" and session.caps.name == "postgresql":
            expected = set()  # the 'simple' configuration keeps accents
        assert found == expected

    async def test_the_index_follows_updates_and_deletes(self, database: Database) -> None:
        async with database.transaction() as session:
            thread = await insert_thread(session)
            message_id = await insert_message(
                session, thread, "first draft", subject="Quarterly report"
            )
        assert await self.committed_search(database, thread, "quarterly") == {message_id}
        assert await self.committed_search(database, thread, "draft") == {message_id}

        async with database.transaction() as session:
            await session.conn.execute(
                update(message).where(message.c.id == message_id).values(text="final version")
            )
        assert await self.committed_search(database, thread, "draft") == set()
        assert await self.committed_search(database, thread, "final") == {message_id}
        assert await self.committed_search(database, thread, "quarterly") == {message_id}

        async with database.transaction() as session:
            await session.conn.execute(message.delete().where(message.c.id == message_id))
        assert await self.committed_search(database, thread, "final") == set()
        await assert_index_intact(database)

    async def test_messages_edited_or_deleted_before_their_commit_are_indexed_as_committed(
        self, database: Database
    ) -> None:
        """SQLite indexes a transaction's new messages at its COMMIT (``hubbub.db.fulltext``):
        an edit or a delete before then must neither reach the index nor corrupt it."""
        async with database.transaction() as session:
            thread = await insert_thread(session)
            edited = await insert_message(session, thread, "rough sketch")
            deleted = await insert_message(session, thread, "rough sketch too")
            kept = await insert_message(session, thread, "rough notes")
            await session.conn.execute(
                update(message).where(message.c.id == edited).values(text="polished piece")
            )
            await session.conn.execute(message.delete().where(message.c.id == deleted))
        assert await self.committed_search(database, thread, "rough") == {kept}
        assert await self.committed_search(database, thread, "polished") == {edited}
        assert await self.committed_search(database, thread, "sketch") == set()
        await assert_index_intact(database)

    async def test_the_newest_message_deleted_after_indexing_frees_its_rowid_cleanly(
        self, database: Database
    ) -> None:
        """SQLite gives the next message the rowid of a deleted newest one: the index must
        drop the old words and take the new ones."""
        async with database.transaction() as session:
            thread = await insert_thread(session)
            await insert_message(session, thread, "older words")
            newest = await insert_message(session, thread, "vanishing words")
        async with database.transaction() as session:
            await session.conn.execute(message.delete().where(message.c.id == newest))
        async with database.transaction() as session:
            successor = await insert_message(session, thread, "fresh words")
        assert await self.committed_search(database, thread, "vanishing") == set()
        assert await self.committed_search(database, thread, "fresh") == {successor}
        await assert_index_intact(database)

    async def test_a_vacuum_leaves_the_index_attached_to_its_messages(
        self, database: Database
    ) -> None:
        """SQLite's documentation warns that VACUUM may renumber the rowids of a table without
        an INTEGER PRIMARY KEY (``message`` has a text id), which would detach the index (it
        refers to messages by rowid). The SQLite Hubbub runs on keeps them; this says so if a
        later one does not."""
        if database.caps.name != "sqlite":
            pytest.skip("PostgreSQL's index is a column of the row itself")
        async with database.transaction() as session:
            thread = await insert_thread(session)
            gone = await insert_message(session, thread, "ephemeral words")
            kept = await insert_message(session, thread, "enduring words")
        async with database.transaction() as session:
            await session.conn.execute(message.delete().where(message.c.id == gone))
        assert database.sync_engine is not None
        with database.sync_engine.connect() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            driver.execute("VACUUM")  # on the driver: SQLAlchemy would open a transaction
        assert await self.committed_search(database, thread, "enduring") == {kept}
        assert await self.committed_search(database, thread, "ephemeral") == set()
        await assert_index_intact(database)

    async def committed_search(self, database: Database, thread: Thread, query: str) -> set[str]:
        async with database.read() as session:
            return await self.search(session, thread, query)


async def assert_index_intact(database: Database) -> None:
    """FTS5's own check that its index matches the message table (SQLite; PostgreSQL's
    ``tsvector`` is a generated column and cannot drift)."""
    if database.caps.name != "sqlite":
        return
    async with database.transaction() as session:
        await session.conn.execute(
            text("INSERT INTO message_fts(message_fts) VALUES ('integrity-check')")
        )
