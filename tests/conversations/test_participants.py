"""Participant changes record events in the write's transaction (never for a contact already
there, nor for those a conversation is created with), and participants page in SQL over
(joined, contact id) without skipping or repeating anyone as people come and go."""

from __future__ import annotations

from typing import Any

import pytest

from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import ConversationCreate, Participant
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidCursor, InvalidInput, NotFound
from hubbub.events.service import event as event_service
from hubbub.kit.clock import to_micros
from hubbub.kit.cursors import Cursor
from tests.conftest import WorkspaceFixture
from tests.conversations.helpers import insert_channel, insert_contact

CHANGES = ("conversation.participant_added", "conversation.participant_removed")


async def participant_events(
    session: Session, workspace_id: str, conversation_id: str
) -> list[tuple[str, dict[str, Any]]]:
    page = await event_service.list(session, workspace_id, conversation_id=conversation_id)
    return [(e.type, e.data) for e in page.events if e.type in CHANGES]


def added(contact_id: str, role: str = "contact") -> tuple[str, dict[str, Any]]:
    return "conversation.participant_added", {"contact_id": contact_id, "role": role}


def removed(contact_id: str, role: str = "contact") -> tuple[str, dict[str, Any]]:
    return "conversation.participant_removed", {"contact_id": contact_id, "role": role}


class TestEvents:
    async def test_adding_and_removing_record_one_event_each(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        ada = await insert_contact(session, workspace.id, "Ada")
        agent = await insert_contact(session, workspace.id, "Agent")
        created = await conversation_service.create(
            session, workspace.id, ConversationCreate(participant_ids=[ada])
        )
        # Those it is created with are part of conversation.created.
        assert await participant_events(session, workspace.id, created.id) == []

        for _ in range(2):  # the second add changes nothing and records nothing
            await conversation_service.add_participant(
                session, workspace.id, created.id, contact_id=agent, role="agent"
            )
        await conversation_service.remove_participant(
            session, workspace.id, created.id, contact_id=agent
        )
        await conversation_service.remove_participant(
            session, workspace.id, created.id, contact_id=ada
        )

        assert await participant_events(session, workspace.id, created.id) == [
            added(agent, "agent"),
            removed(agent, "agent"),
            removed(ada),
        ]

    async def test_a_failed_removal_records_nothing(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        ada = await insert_contact(session, workspace.id)
        created = await conversation_service.create(session, workspace.id, ConversationCreate())
        with pytest.raises(NotFound):
            await conversation_service.remove_participant(
                session, workspace.id, created.id, contact_id=ada
            )
        assert await participant_events(session, workspace.id, created.id) == []

    async def test_a_contact_rejoining_by_get_or_create_is_added_back_and_recorded(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        channel_id = await insert_channel(session, workspace.id)
        ada = await insert_contact(session, workspace.id)
        first, _ = await conversation_service.get_or_create_for_contacts(
            session, workspace.id, channel_id=channel_id, contact_ids=[ada]
        )
        await conversation_service.get_or_create_for_contacts(
            session, workspace.id, channel_id=channel_id, contact_ids=[ada]
        )
        assert await participant_events(session, workspace.id, first.id) == []

        await conversation_service.remove_participant(
            session, workspace.id, first.id, contact_id=ada
        )
        again, _ = await conversation_service.get_or_create_for_contacts(
            session, workspace.id, channel_id=channel_id, contact_ids=[ada]
        )
        assert again.id == first.id
        assert await conversation_service.contact_participant_ids(
            session, workspace.id, first.id
        ) == [ada]
        assert await participant_events(session, workspace.id, first.id) == [
            removed(ada),
            added(ada),
        ]

    async def test_deleting_a_contact_records_its_departure_from_each_conversation(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        ada = await insert_contact(session, workspace.id, "Ada")
        bob = await insert_contact(session, workspace.id, "Bob")
        chats = [
            await conversation_service.create(
                session, workspace.id, ConversationCreate(participant_ids=[ada, bob])
            )
            for _ in range(2)
        ]
        without_ada = await conversation_service.create(
            session, workspace.id, ConversationCreate(participant_ids=[bob])
        )

        with pytest.raises(NotFound):
            await conversation_service.delete_contact(session, other_workspace.id, ada)
        assert [await participant_events(session, workspace.id, c.id) for c in chats] == [[], []]
        await conversation_service.delete_contact(session, workspace.id, ada)

        for chat in chats:
            assert await participant_events(session, workspace.id, chat.id) == [removed(ada)]
            ids = await conversation_service.contact_participant_ids(session, workspace.id, chat.id)
            assert ids == [bob]
        assert await participant_events(session, workspace.id, without_ada.id) == []
        assert await contact_service.get(session, workspace.id, ada) is None


class TestPage:
    async def test_pages_never_skip_or_repeat_as_people_come_and_go(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        # Ten joined together (the same instant: the contact id orders them), then five more.
        together = [await insert_contact(session, workspace.id) for _ in range(10)]
        created = await conversation_service.create(
            session, workspace.id, ConversationCreate(participant_ids=together)
        )
        for _ in range(5):
            await conversation_service.add_participant(
                session,
                workspace.id,
                created.id,
                contact_id=await insert_contact(session, workspace.id),
            )
        before = await _joined(session, workspace.id, created.id)

        seen: list[str] = []
        cursor: Cursor | None = None
        first, cursor = await _page(session, workspace.id, created.id, cursor)
        seen += [p.contact_id for p in first]
        # Between pages: the last one shown and one not yet shown leave, a newcomer joins.
        for leaving in (first[-1].contact_id, before[6].contact_id):
            await conversation_service.remove_participant(
                session, workspace.id, created.id, contact_id=leaving
            )
        newcomer = await insert_contact(session, workspace.id)
        await conversation_service.add_participant(
            session, workspace.id, created.id, contact_id=newcomer
        )
        while cursor is not None:
            page, cursor = await _page(session, workspace.id, created.id, cursor)
            seen += [p.contact_id for p in page]

        expected = [p.contact_id for p in before if p.contact_id != before[6].contact_id]
        assert seen == [*expected, newcomer]
        assert len(set(seen)) == len(seen)

    async def test_a_role_filter_and_the_order_of_joining(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        ada, agent, bob = [await insert_contact(session, workspace.id) for _ in range(3)]
        created = await conversation_service.create(
            session, workspace.id, ConversationCreate(participant_ids=[ada])
        )
        await conversation_service.add_participant(
            session, workspace.id, created.id, contact_id=agent, role="agent"
        )
        await conversation_service.add_participant(
            session, workspace.id, created.id, contact_id=bob
        )

        contacts, cursor = await conversation_service.list_participant_page(
            session, workspace.id, created.id, role="contact"
        )
        assert ([p.contact_id for p in contacts], cursor) == ([ada, bob], None)
        everyone, _ = await conversation_service.list_participant_page(
            session, workspace.id, created.id
        )
        assert [p.contact_id for p in everyone] == [ada, agent, bob]
        assert everyone == await conversation_service.list_participants(
            session, workspace.id, created.id
        )

    async def test_refuses_a_descending_cursor_a_bad_limit_and_another_workspace(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await conversation_service.create(session, workspace.id, ConversationCreate())
        backwards = Cursor(created_us=0, id="", order="desc")
        with pytest.raises(InvalidCursor):
            await conversation_service.list_participant_page(
                session, workspace.id, created.id, cursor=backwards
            )
        for limit in (0, 501):
            with pytest.raises(InvalidInput):
                await conversation_service.list_participant_page(
                    session, workspace.id, created.id, limit=limit
                )
        with pytest.raises(NotFound):
            await conversation_service.list_participant_page(
                session, other_workspace.id, created.id
            )

    async def test_get_participant(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        ada = await insert_contact(session, workspace.id)
        created = await conversation_service.create(
            session, workspace.id, ConversationCreate(participant_ids=[ada])
        )
        found = await conversation_service.get_participant(session, workspace.id, created.id, ada)
        assert found is not None
        assert (found.contact_id, found.role) == (ada, "contact")
        assert (
            await conversation_service.get_participant(session, other_workspace.id, created.id, ada)
            is None
        )


async def _page(
    session: Session, workspace_id: str, conversation_id: str, cursor: Cursor | None
) -> tuple[list[Participant], Cursor | None]:
    found, following = await conversation_service.list_participant_page(
        session, workspace_id, conversation_id, limit=4, cursor=cursor
    )
    if following is not None:
        last = found[-1]
        assert (following.created_us, following.id) == (to_micros(last.created_at), last.contact_id)
    return found, following


async def _joined(session: Session, workspace_id: str, conversation_id: str) -> list[Participant]:
    """Every participant in the order they joined, sorted here, independently of the page."""
    every = await conversation_service.list_participants(session, workspace_id, conversation_id)
    return sorted(every, key=lambda p: (to_micros(p.created_at), p.contact_id))
