"""Get-or-create by tags (Botpress's rule) and by contacts, including under concurrency."""

from __future__ import annotations

import asyncio

import pytest

from hubbub.conversations.schemas import (
    Conversation,
    ConversationCreate,
    ConversationGetOrCreate,
    ConversationUpdate,
)
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Database, Session
from hubbub.errors import InvalidInput, UnprocessableEntity
from tests.conftest import WorkspaceFixture
from tests.conversations.helpers import count_conversations, insert_channel, insert_contact

CONCURRENT_CALLS = 50


async def get_or_create(
    session: Session,
    workspace_id: str,
    tags: dict[str, str],
    by: list[str] | None = None,
    channel_id: str | None = None,
) -> tuple[Conversation, bool]:
    data = ConversationGetOrCreate(tags=tags, discriminate_by_tags=by, channel_id=channel_id)
    return await conversation_service.get_or_create(session, workspace_id, data)


class TestMatchingRule:
    async def test_same_tags_match(self, workspace: WorkspaceFixture, session: Session) -> None:
        first, created = await get_or_create(session, workspace.id, {"a": "1", "b": "2"})
        again, created_again = await get_or_create(session, workspace.id, {"b": "2", "a": "1"})
        assert created is True
        assert created_again is False
        assert again.id == first.id

    async def test_without_discriminate_by_every_tag_must_match(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        first, _ = await get_or_create(session, workspace.id, {"a": "1", "b": "2"})
        other, created = await get_or_create(session, workspace.id, {"a": "1", "b": "3"})
        assert created is True
        assert other.id != first.id

    async def test_a_subset_of_the_record_tags_matches(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        first, _ = await get_or_create(session, workspace.id, {"a": "1", "b": "2"})
        found, created = await get_or_create(session, workspace.id, {"a": "1"})
        assert created is False
        assert found.id == first.id

    async def test_discriminate_by_considers_only_the_listed_tags_and_applies_the_others(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        first, _ = await get_or_create(session, workspace.id, {"a": "1", "b": "2"})

        found, created = await get_or_create(session, workspace.id, {"a": "1", "b": "9"}, by=["a"])

        assert created is False
        assert found.id == first.id
        assert found.tags == {"a": "1", "b": "9"}
        stored = await conversation_service.get_or_raise(session, workspace.id, first.id)
        assert stored.tags == {"a": "1", "b": "9"}
        # The record no longer has b=2: a lookup on all of the old tags must not find it.
        fresh, created_fresh = await get_or_create(session, workspace.id, {"a": "1", "b": "2"})
        assert created_fresh is True
        assert fresh.id != first.id

    async def test_an_empty_value_removes_the_tag_from_the_match(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        first, _ = await get_or_create(session, workspace.id, {"a": "1", "b": "2"})
        found, created = await get_or_create(session, workspace.id, {"a": "1", "b": ""})
        assert created is False
        assert found.id == first.id
        assert found.tags == {"a": "1"}

    async def test_a_tag_removed_by_null_no_longer_matches(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        first, _ = await get_or_create(session, workspace.id, {"k": "v"})
        await conversation_service.update(
            session, workspace.id, first.id, ConversationUpdate(tags={"k": None})
        )
        fresh, created = await get_or_create(session, workspace.id, {"k": "v"})
        assert created is True
        assert fresh.id != first.id

    async def test_no_discriminating_tag_always_creates(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        one, created_one = await get_or_create(session, workspace.id, {})
        two, created_two = await get_or_create(session, workspace.id, {})
        three, created_three = await get_or_create(session, workspace.id, {"a": "1"}, by=["z"])
        assert [created_one, created_two, created_three] == [True, True, True]
        assert len({one.id, two.id, three.id}) == 3

    async def test_channels_are_separate_scopes(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        channel_id = await insert_channel(session, workspace.id)
        without, _ = await get_or_create(session, workspace.id, {"a": "1"})
        on_channel, created = await get_or_create(
            session, workspace.id, {"a": "1"}, channel_id=channel_id
        )
        assert created is True
        assert on_channel.id != without.id
        assert on_channel.channel_id == channel_id

    async def test_finds_a_conversation_made_by_a_plain_create(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        made = await conversation_service.create(
            session, workspace.id, ConversationCreate(tags={"ticket": "42"})
        )
        found, created = await get_or_create(session, workspace.id, {"ticket": "42"})
        assert created is False
        assert found.id == made.id

    async def test_a_deleted_match_is_not_returned(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        first, _ = await get_or_create(session, workspace.id, {"a": "1"})
        await conversation_service.delete(session, workspace.id, first.id)
        fresh, created = await get_or_create(session, workspace.id, {"a": "1"})
        assert created is True
        assert fresh.id != first.id

    async def test_workspaces_do_not_share_matches(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        mine, _ = await get_or_create(session, workspace.id, {"a": "1"})
        theirs, created = await get_or_create(session, other_workspace.id, {"a": "1"})
        assert created is True
        assert theirs.workspace_id == other_workspace.id
        assert theirs.id != mine.id

    async def test_unknown_channel_names_the_field(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        with pytest.raises(UnprocessableEntity) as caught:
            await get_or_create(session, workspace.id, {"a": "1"}, channel_id="missing")
        assert caught.value.field == "channel_id"


async def test_concurrent_identical_calls_create_exactly_one(
    database: Database, workspace: WorkspaceFixture
) -> None:
    data = ConversationGetOrCreate(
        tags={"thread": "t-1", "extra": "x"}, discriminate_by_tags=["thread"]
    )

    async def call() -> tuple[Conversation, bool]:
        async with database.transaction() as session:
            return await conversation_service.get_or_create(session, workspace.id, data)

    results = await asyncio.gather(*(call() for _ in range(CONCURRENT_CALLS)))

    assert sum(created for _, created in results) == 1
    assert len({found.id for found, _ in results}) == 1
    async with database.read() as session:
        assert await count_conversations(session, workspace.id) == 1


async def test_concurrent_calls_that_retag_the_match_still_share_it(
    database: Database, workspace: WorkspaceFixture
) -> None:
    async def call(n: int) -> tuple[Conversation, bool]:
        data = ConversationGetOrCreate(
            tags={"thread": "t-2", "last": str(n)}, discriminate_by_tags=["thread"]
        )
        async with database.transaction() as session:
            return await conversation_service.get_or_create(session, workspace.id, data)

    results = await asyncio.gather(*(call(n) for n in range(CONCURRENT_CALLS)))

    assert sum(created for _, created in results) == 1
    assert len({found.id for found, _ in results}) == 1
    async with database.read() as session:
        stored = await conversation_service.get_or_raise(session, workspace.id, results[0][0].id)
    assert stored.tags["thread"] == "t-2"
    assert stored.tags["last"] in {str(n) for n in range(CONCURRENT_CALLS)}


class TestForContacts:
    async def test_the_same_contacts_in_any_order_share_a_conversation(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        channel_id = await insert_channel(session, workspace.id)
        ada = await insert_contact(session, workspace.id, "Ada")
        bob = await insert_contact(session, workspace.id, "Bob")

        first, first_created = await conversation_service.get_or_create_for_contacts(
            session, workspace.id, channel_id=channel_id, contact_ids=[ada, bob]
        )
        again, again_created = await conversation_service.get_or_create_for_contacts(
            session, workspace.id, channel_id=channel_id, contact_ids=[bob, ada, bob]
        )
        only_ada, only_ada_created = await conversation_service.get_or_create_for_contacts(
            session, workspace.id, channel_id=channel_id, contact_ids=[ada]
        )

        assert again.id == first.id
        assert only_ada.id != first.id
        assert (first_created, again_created, only_ada_created) == (True, False, True)
        ids = await conversation_service.contact_participant_ids(session, workspace.id, first.id)
        assert sorted(ids) == sorted([ada, bob])

    async def test_finds_a_conversation_created_with_these_participants(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        channel_id = await insert_channel(session, workspace.id)
        ada = await insert_contact(session, workspace.id, "Ada")
        bob = await insert_contact(session, workspace.id, "Bob")
        larger = await conversation_service.create(
            session,
            workspace.id,
            ConversationCreate(channel_id=channel_id, participant_ids=[ada, bob]),
        )
        exact = await conversation_service.create(
            session, workspace.id, ConversationCreate(channel_id=channel_id, participant_ids=[ada])
        )
        found, created = await conversation_service.get_or_create_for_contacts(
            session, workspace.id, channel_id=channel_id, contact_ids=[ada]
        )
        assert found.id == exact.id
        assert not created
        assert found.id != larger.id

    async def test_rejects_no_contacts_and_unknown_references(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        channel_id = await insert_channel(session, workspace.id)
        ada = await insert_contact(session, workspace.id)
        with pytest.raises(InvalidInput):
            await conversation_service.get_or_create_for_contacts(
                session, workspace.id, channel_id=channel_id, contact_ids=[]
            )
        with pytest.raises(UnprocessableEntity) as caught:
            await conversation_service.get_or_create_for_contacts(
                session, workspace.id, channel_id="missing", contact_ids=[ada]
            )
        assert caught.value.field == "channel_id"
        with pytest.raises(UnprocessableEntity) as caught:
            await conversation_service.get_or_create_for_contacts(
                session, workspace.id, channel_id=channel_id, contact_ids=["nobody"]
            )
        assert caught.value.field == "contact_ids"


async def test_concurrent_calls_for_the_same_contacts_create_exactly_one(
    database: Database, workspace: WorkspaceFixture
) -> None:
    async with database.transaction() as session:
        channel_id = await insert_channel(session, workspace.id)
        contacts = [await insert_contact(session, workspace.id, name) for name in ("Ada", "Bob")]

    async def call() -> tuple[Conversation, bool]:
        async with database.transaction() as session:
            return await conversation_service.get_or_create_for_contacts(
                session, workspace.id, channel_id=channel_id, contact_ids=contacts
            )

    results = await asyncio.gather(*(call() for _ in range(CONCURRENT_CALLS)))

    assert len({found.id for found, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    async with database.read() as session:
        assert await count_conversations(session, workspace.id) == 1
