"""``ContactService.get_or_create_by_tags`` (Botpress's get-or-create user) and
``list_matching``, on both engines."""

from __future__ import annotations

import asyncio

from hubbub.contacts.schemas import Contact, ContactCreate, ContactGetOrCreateByTags, ContactQuery
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import ConversationCreate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Database, Session
from hubbub.discriminators.repository import DiscriminatorRepository
from hubbub.kit.tags import discriminator_digest
from tests.conftest import WorkspaceFixture, make_workspace


def by_tags(tags: dict[str, str | None], **fields: object) -> ContactGetOrCreateByTags:
    return ContactGetOrCreateByTags.model_validate({"tags": tags, **fields})


async def test_creates_then_finds_by_every_tag(
    session: Session, workspace: WorkspaceFixture
) -> None:
    created, was_created = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"id": "1", "x": "a", "gone": None}, name="Ann")
    )
    assert was_created is True
    assert created.tags == {"id": "1", "x": "a"}
    assert created.name == "Ann"
    found, again = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"id": "1", "x": "a"}, name="Other")
    )
    assert (found.id, again, found.name) == (created.id, False, "Ann")
    other, new = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"id": "1", "x": "b"})
    )
    assert new is True
    assert other.id != created.id


async def test_discriminate_by_names_the_tags_that_must_match(
    session: Session, workspace: WorkspaceFixture
) -> None:
    first, _ = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"id": "2", "lang": "en"})
    )
    found, created = await contact_service.get_or_create_by_tags(
        session,
        workspace.id,
        by_tags({"id": "2", "lang": "fr", "extra": "y"}, discriminate_by_tags=["id"]),
    )
    assert (found.id, created) == (first.id, False)
    assert found.tags == {"id": "2", "lang": "fr", "extra": "y"}
    stored = await contact_service.get_or_raise(session, workspace.id, first.id)
    assert stored.tags == found.tags
    removed, _ = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"id": "2", "extra": ""}, discriminate_by_tags=["id"])
    )
    assert removed.tags == {"id": "2", "lang": "fr"}


async def test_no_discriminating_tag_always_creates(
    session: Session, workspace: WorkspaceFixture
) -> None:
    first, created_first = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({})
    )
    second, created_second = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"a": "1"}, discriminate_by_tags=["b"])
    )
    assert created_first
    assert created_second
    assert first.id != second.id


async def test_a_plain_contact_with_matching_tags_is_found(
    session: Session, workspace: WorkspaceFixture
) -> None:
    plain = await contact_service.create(session, workspace.id, ContactCreate(tags={"ext": "9"}))
    found, created = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"ext": "9"})
    )
    assert (found.id, created) == (plain.id, False)


async def test_a_stale_claim_is_released(session: Session, workspace: WorkspaceFixture) -> None:
    first, _ = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"stale": "1"})
    )
    await contact_service.delete(session, workspace.id, first.id)
    digest = discriminator_digest("contact", "", {"stale": "1"})
    assert await DiscriminatorRepository(session).get_target(workspace.id, digest) == first.id
    again, created = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"stale": "1"})
    )
    assert created is True
    assert again.id != first.id
    assert await DiscriminatorRepository(session).get_target(workspace.id, digest) == again.id


async def test_workspaces_never_share_a_match(
    session: Session, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture
) -> None:
    mine, _ = await contact_service.get_or_create_by_tags(
        session, workspace.id, by_tags({"shared": "1"})
    )
    theirs, created = await contact_service.get_or_create_by_tags(
        session, other_workspace.id, by_tags({"shared": "1"})
    )
    assert created is True
    assert theirs.id != mine.id


async def test_concurrent_calls_create_one_contact(database: Database) -> None:
    workspace = await make_workspace(database, "concurrent")

    async def call() -> tuple[Contact, bool]:
        async with database.transaction() as session:
            return await contact_service.get_or_create_by_tags(
                session, workspace.id, by_tags({"race": "1"})
            )

    results = await asyncio.gather(*(call() for _ in range(4)))
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({contact.id for contact, _ in results}) == 1


async def test_list_matching_filters_and_pages(
    session: Session, workspace: WorkspaceFixture
) -> None:
    made = [
        await contact_service.create(
            session, workspace.id, ContactCreate(tags={"lm": "1", "n": str(i % 2)})
        )
        for i in range(5)
    ]
    conversation = await conversation_service.create(
        session, workspace.id, ConversationCreate(participant_ids=[made[1].id, made[2].id])
    )
    query = ContactQuery(tags={"lm": "1"})
    seen = []
    cursor = None
    while True:
        page, cursor = await contact_service.list_matching(
            session, workspace.id, query, limit=2, cursor=cursor, order="asc"
        )
        seen.extend(contact.id for contact in page)
        if cursor is None:
            break
    assert seen == [contact.id for contact in made]
    odd, _ = await contact_service.list_matching(
        session, workspace.id, ContactQuery(tags={"lm": "1", "n": "1"})
    )
    assert [contact.id for contact in odd] == [made[3].id, made[1].id]
    members, _ = await contact_service.list_matching(
        session, workspace.id, ContactQuery(conversation_id=conversation.id)
    )
    assert {contact.id for contact in members} == {made[1].id, made[2].id}
    ranged, _ = await contact_service.list_matching(
        session,
        workspace.id,
        ContactQuery(tags={"lm": "1"}, after=made[1].created_at, before=made[3].created_at),
    )
    assert [contact.id for contact in ranged] == [made[3].id, made[2].id, made[1].id]
