from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hubbub.conversations.schemas import ConversationCreate, ConversationUpdate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidCursor, InvalidInput, NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import utcnow
from hubbub.kit.cursors import Cursor, Order
from tests.conftest import WorkspaceFixture
from tests.conversations.helpers import (
    count_messages,
    insert_channel,
    insert_contact,
    insert_message,
)


async def event_types(session: Session, workspace_id: str, conversation_id: str) -> list[str]:
    page = await event_service.list(session, workspace_id, conversation_id=conversation_id)
    return [e.type for e in page.events]


class TestCreate:
    async def test_creates_an_open_conversation_with_its_participants(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        channel_id = await insert_channel(session, workspace.id)
        ada = await insert_contact(session, workspace.id, "Ada")
        bob = await insert_contact(session, workspace.id, "Bob")
        data = ConversationCreate(
            channel_id=channel_id,
            subject="Hello",
            tags={"topic": "billing"},
            attributes={"priority": 2},
            participant_ids=[ada, bob, ada],
        )

        created = await conversation_service.create(session, workspace.id, data)

        assert created.status == "open"
        assert created.message_count == 0
        assert created.tags == {"topic": "billing"}
        assert await conversation_service.get(session, workspace.id, created.id) == created
        participants = await conversation_service.list_participants(
            session, workspace.id, created.id
        )
        assert {(p.contact_id, p.role) for p in participants} == {
            (ada, "contact"),
            (bob, "contact"),
        }
        assert await event_types(session, workspace.id, created.id) == ["conversation.created"]

    async def test_unknown_channel_names_the_field(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        with pytest.raises(UnprocessableEntity) as caught:
            await conversation_service.create(
                session, workspace.id, ConversationCreate(channel_id="no-such-channel")
            )
        assert caught.value.field == "channel_id"

    async def test_contact_of_another_workspace_is_unknown(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        foreign = await insert_contact(session, other_workspace.id)
        with pytest.raises(UnprocessableEntity) as caught:
            await conversation_service.create(
                session, workspace.id, ConversationCreate(participant_ids=[foreign])
            )
        assert caught.value.field == "participant_ids"
        assert caught.value.details["missing"] == [foreign]


class TestGet:
    async def test_another_workspace_does_not_see_it(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await conversation_service.create(session, workspace.id, ConversationCreate())
        assert await conversation_service.get(session, other_workspace.id, created.id) is None
        with pytest.raises(NotFound) as caught:
            await conversation_service.get_or_raise(session, other_workspace.id, created.id)
        assert caught.value.resource == "conversation"


class TestUpdate:
    async def test_patches_tags_and_replaces_the_rest(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await conversation_service.create(
            session,
            workspace.id,
            ConversationCreate(subject="Old", tags={"a": "1", "b": "2"}, attributes={"x": 1}),
        )
        update = ConversationUpdate(
            status="closed", subject=None, tags={"a": None, "b": "3", "c": "4"}, attributes={"y": 2}
        )

        updated = await conversation_service.update(session, workspace.id, created.id, update)

        assert updated.status == "closed"
        assert updated.subject is None
        assert updated.tags == {"b": "3", "c": "4"}
        assert updated.attributes == {"y": 2}
        assert updated.updated_at >= created.updated_at
        assert await conversation_service.get(session, workspace.id, created.id) == updated
        # The status changes through the close command, with its own event.
        assert await event_types(session, workspace.id, created.id) == [
            "conversation.created",
            "conversation.closed",
            "conversation.updated",
        ]

    async def test_unset_fields_are_left_alone_and_no_change_records_nothing(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await conversation_service.create(
            session, workspace.id, ConversationCreate(subject="Keep", tags={"a": "1"})
        )
        same = await conversation_service.update(
            session, workspace.id, created.id, ConversationUpdate(tags={"a": "1"})
        )
        assert same == created
        assert await event_types(session, workspace.id, created.id) == ["conversation.created"]

    async def test_unknown_conversation_is_not_found(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        with pytest.raises(NotFound):
            await conversation_service.update(
                session, workspace.id, "missing", ConversationUpdate(status="closed")
            )


class TestDelete:
    async def test_deletes_messages_and_participants_with_it(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        ada = await insert_contact(session, workspace.id)
        created = await conversation_service.create(
            session, workspace.id, ConversationCreate(participant_ids=[ada])
        )
        await insert_message(session, workspace.id, created.id)

        await conversation_service.delete(session, workspace.id, created.id)

        assert await conversation_service.get(session, workspace.id, created.id) is None
        assert await count_messages(session, created.id) == 0
        assert (
            await conversation_service.contact_participant_ids(session, workspace.id, created.id)
            == []
        )
        assert (await event_types(session, workspace.id, created.id))[-1] == (
            "conversation.deleted"
        )

    async def test_another_workspace_cannot_delete_it(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await conversation_service.create(session, workspace.id, ConversationCreate())
        with pytest.raises(NotFound):
            await conversation_service.delete(session, other_workspace.id, created.id)
        assert await conversation_service.get(session, workspace.id, created.id) is not None


class TestMessageCounters:
    async def test_record_and_forget(self, workspace: WorkspaceFixture, session: Session) -> None:
        created = await conversation_service.create(session, workspace.id, ConversationCreate())
        first = utcnow()
        later = first + timedelta(seconds=5)

        await conversation_service.record_message(
            session, workspace.id, created.id, at=later, inbound=False
        )
        await conversation_service.record_message(
            session, workspace.id, created.id, at=first, inbound=True
        )
        counted = await conversation_service.get_or_raise(session, workspace.id, created.id)
        assert counted.message_count == 2
        assert counted.last_message_at == later  # an older message does not move it back
        assert counted.last_inbound_at == first

        for _ in range(3):
            await conversation_service.forget_message(session, workspace.id, created.id)
        forgotten = await conversation_service.get_or_raise(session, workspace.id, created.id)
        assert forgotten.message_count == 0

    async def test_outbound_leaves_last_inbound_alone(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await conversation_service.create(session, workspace.id, ConversationCreate())
        await conversation_service.record_message(
            session, workspace.id, created.id, at=utcnow(), inbound=False
        )
        counted = await conversation_service.get_or_raise(session, workspace.id, created.id)
        assert counted.last_inbound_at is None
        assert counted.last_message_at is not None

    async def test_unknown_conversation_is_not_found(
        self, workspace: WorkspaceFixture, other_workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await conversation_service.create(session, workspace.id, ConversationCreate())
        with pytest.raises(NotFound):
            await conversation_service.record_message(
                session, other_workspace.id, created.id, at=utcnow(), inbound=True
            )


class TestParticipants:
    async def test_add_is_idempotent_and_keeps_the_first_role(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await conversation_service.create(session, workspace.id, ConversationCreate())
        agent = await insert_contact(session, workspace.id, "Agent")

        first = await conversation_service.add_participant(
            session, workspace.id, created.id, contact_id=agent, role="agent"
        )
        again = await conversation_service.add_participant(
            session, workspace.id, created.id, contact_id=agent, role="contact"
        )

        assert first == again
        assert again.role == "agent"
        assert await conversation_service.list_participants(session, workspace.id, created.id) == [
            first
        ]

    async def test_contact_participant_ids_leave_out_other_roles(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        ada = await insert_contact(session, workspace.id, "Ada")
        bot = await insert_contact(session, workspace.id, "Bot")
        created = await conversation_service.create(
            session, workspace.id, ConversationCreate(participant_ids=[ada])
        )
        await conversation_service.add_participant(
            session, workspace.id, created.id, contact_id=bot, role="bot"
        )
        ids = await conversation_service.contact_participant_ids(session, workspace.id, created.id)
        assert ids == [ada]

    async def test_remove(self, workspace: WorkspaceFixture, session: Session) -> None:
        ada = await insert_contact(session, workspace.id)
        created = await conversation_service.create(
            session, workspace.id, ConversationCreate(participant_ids=[ada])
        )
        await conversation_service.remove_participant(
            session, workspace.id, created.id, contact_id=ada
        )
        assert await conversation_service.list_participants(session, workspace.id, created.id) == []
        with pytest.raises(NotFound) as caught:
            await conversation_service.remove_participant(
                session, workspace.id, created.id, contact_id=ada
            )
        assert caught.value.resource == "participant"

    async def test_unknown_contact_or_conversation(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = await conversation_service.create(session, workspace.id, ConversationCreate())
        with pytest.raises(UnprocessableEntity) as caught:
            await conversation_service.add_participant(
                session, workspace.id, created.id, contact_id="nobody"
            )
        assert caught.value.field == "contact_id"
        with pytest.raises(NotFound):
            await conversation_service.list_participants(session, workspace.id, "missing")


class TestList:
    async def test_pages_to_the_end_in_both_orders(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        created = [
            await conversation_service.create(session, workspace.id, ConversationCreate())
            for _ in range(23)
        ]
        ascending = [c.id for c in sorted(created, key=lambda c: (c.created_at, c.id))]

        orders: list[tuple[Order, list[str]]] = [("asc", ascending), ("desc", ascending[::-1])]
        for order, expected in orders:
            seen: list[str] = []
            cursor: Cursor | None = None
            pages = 0
            while True:
                page, cursor = await conversation_service.list(
                    session, workspace.id, limit=5, cursor=cursor, order=order
                )
                seen += [c.id for c in page]
                pages += 1
                if cursor is None:
                    break
            assert seen == expected
            assert pages == 5

    async def test_filters(self, workspace: WorkspaceFixture, session: Session) -> None:
        channel_id = await insert_channel(session, workspace.id)
        ada = await insert_contact(session, workspace.id)
        on_channel = await conversation_service.create(
            session,
            workspace.id,
            ConversationCreate(
                channel_id=channel_id, tags={"team": "sales"}, participant_ids=[ada]
            ),
        )
        closed = await conversation_service.create(
            session, workspace.id, ConversationCreate(tags={"team": "support"})
        )
        await conversation_service.update(
            session, workspace.id, closed.id, ConversationUpdate(status="closed")
        )

        async def ids(**filters: Any) -> set[str]:
            page, _ = await conversation_service.list(session, workspace.id, **filters)
            return {c.id for c in page}

        assert await ids(channel_id=channel_id) == {on_channel.id}
        assert await ids(status="closed") == {closed.id}
        assert await ids(tag="team") == {on_channel.id, closed.id}
        assert await ids(tag="team=support") == {closed.id}
        assert await ids(tag="other") == set()
        assert await ids(participant_id=ada) == {on_channel.id}

    async def test_rejects_a_cursor_of_the_other_order_and_a_bad_tag(
        self, workspace: WorkspaceFixture, session: Session
    ) -> None:
        with pytest.raises(InvalidCursor):
            await conversation_service.list(
                session, workspace.id, cursor=Cursor(0, "x", "asc"), order="desc"
            )
        with pytest.raises(InvalidInput) as caught:
            await conversation_service.list(session, workspace.id, tag="=value")
        assert caught.value.field == "tag"
