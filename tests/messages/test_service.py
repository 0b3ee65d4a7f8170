from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Database, Session
from hubbub.errors import NotFound, UnprocessableEntity
from hubbub.events.service import event as event_service
from hubbub.kit.clock import utcnow
from hubbub.messages.schemas import MessageGetOrCreate, MessageUpdate
from hubbub.messages.service import DELIVER_JOB
from hubbub.messages.service import message as message_service
from tests.conftest import WorkspaceFixture
from tests.messages.factories import (
    Scene,
    jobs_for,
    make_agent,
    make_channel,
    make_contact,
    make_conversation,
    make_scene,
    send,
    text,
)


async def event_types(session: Session, workspace_id: str, message_id: str) -> list[str]:
    page = await event_service.list(session, workspace_id, limit=500)
    return [e.type for e in page.events if e.message_id == message_id]


class TestCreate:
    async def test_outgoing_is_accepted_addressed_and_queued(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await send(session, ws, conversation_id=scene.conversation.id)
        assert message.status == "accepted"
        assert message.direction == "outgoing"
        assert message.author.type == "bot"
        assert message.channel_id == scene.channel.id
        assert [(r.contact_id, r.key, r.value) for r in message.recipients] == [
            (scene.contact.id, "phonenumber", "+15550001")
        ]
        assert message.text == "hello"
        [queued] = await jobs_for(session, message.id)
        assert (queued["kind"], queued["run_at"]) == (DELIVER_JOB, message.created_at)
        assert await event_types(session, ws, message.id) == ["message.created"]
        conversation = await conversation_service.get_or_raise(session, ws, scene.conversation.id)
        assert conversation.message_count == 1
        assert conversation.last_message_at == message.created_at
        assert conversation.last_inbound_at is None
        assert await message_service.get_or_raise(session, ws, message.id) == message

    async def test_future_schedule_waits(self, scene: Scene, session: Session) -> None:
        later = utcnow() + timedelta(hours=2)
        message = await send(
            session, scene.workspace_id, conversation_id=scene.conversation.id, scheduled_for=later
        )
        assert (message.status, message.scheduled_for) == ("scheduled", later)
        [queued] = await jobs_for(session, message.id)
        assert queued["run_at"] == later

    async def test_past_schedule_is_sent_now(self, scene: Scene, session: Session) -> None:
        earlier = utcnow() - timedelta(minutes=5)
        message = await send(
            session,
            scene.workspace_id,
            conversation_id=scene.conversation.id,
            scheduled_for=earlier,
        )
        assert message.status == "accepted"
        [queued] = await jobs_for(session, message.id)
        assert queued["run_at"] == message.created_at

    async def test_incoming_is_delivered_from_the_contact(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await send(
            session, ws, conversation_id=scene.conversation.id, direction="incoming"
        )
        assert message.status == "delivered"
        assert (message.author.type, message.author.id) == ("contact", scene.contact.id)
        assert message.recipients == []
        assert await jobs_for(session, message.id) == []
        conversation = await conversation_service.get_or_raise(session, ws, scene.conversation.id)
        assert conversation.last_inbound_at == message.created_at

    async def test_incoming_cannot_be_scheduled(self, scene: Scene, session: Session) -> None:
        with pytest.raises(UnprocessableEntity) as caught:
            await send(
                session,
                scene.workspace_id,
                conversation_id=scene.conversation.id,
                direction="incoming",
                scheduled_for=utcnow() + timedelta(hours=1),
            )
        assert caught.value.field == "scheduled_for"

    async def test_channel_and_recipient_find_one_conversation(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        to = [{"value": "+1 555 777"}]
        first = await send(session, ws, channel_id=scene.channel.id, recipients=to)
        second = await send(session, ws, channel_id=scene.channel.id, recipients=to)
        assert first.conversation_id == second.conversation_id != scene.conversation.id
        assert first.recipients[0].key == "phonenumber"
        assert first.recipients[0].value == "+1555777"
        participants = await conversation_service.contact_participant_ids(
            session, ws, first.conversation_id
        )
        assert participants == [first.recipients[0].contact_id]

    async def test_known_recipient_reuses_the_conversation(
        self, scene: Scene, session: Session
    ) -> None:
        message = await send(
            session,
            scene.workspace_id,
            channel_id=scene.channel.id,
            recipients=[{"key": "phonenumber", "value": "+15550001"}],
        )
        assert message.conversation_id == scene.conversation.id
        assert message.recipients[0].contact_id == scene.contact.id

    async def test_email_takes_several_recipients(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        email = await make_channel(session, ws, "email")
        message = await send(
            session,
            ws,
            channel_id=email.id,
            subject="Quarterly report",
            recipients=[
                {"value": "Ana@Example.com"},
                {"value": "bo@example.com", "type": "cc"},
                {"value": "cy@example.com", "type": "bcc"},
            ],
        )
        assert [(r.key, r.value, r.type) for r in message.recipients] == [
            ("emailaddress", "ana@example.com", "to"),
            ("emailaddress", "bo@example.com", "cc"),
            ("emailaddress", "cy@example.com", "bcc"),
        ]
        participants = await conversation_service.contact_participant_ids(
            session, ws, message.conversation_id
        )
        assert sorted(participants) == sorted(r.contact_id for r in message.recipients)

    async def test_several_recipients_only_on_email(self, scene: Scene, session: Session) -> None:
        with pytest.raises(UnprocessableEntity) as caught:
            await send(
                session,
                scene.workspace_id,
                channel_id=scene.channel.id,
                recipients=[{"value": "+1555000"}, {"value": "+1555001"}],
            )
        assert caught.value.field == "recipients"

    @pytest.mark.parametrize(
        ("platform", "values"),
        [
            ("email", ["a@example.com", "b@example.com"]),
            ("webhook", ["user-a", "user-b"]),  # one POST carries every recipient and its type
            ("webchat", ["user-a", "user-b"]),  # a room: every participant sees every message
            ("sandbox", ["user-a", "user-b"]),
        ],
    )
    async def test_several_recipients_where_the_descriptor_allows_them(
        self, workspace: WorkspaceFixture, session: Session, platform: str, values: list[str]
    ) -> None:
        channel = await make_channel(session, workspace.id, platform)
        recipients = [{"value": value} for value in values]
        message = await send(session, workspace.id, channel_id=channel.id, recipients=recipients)
        assert [r.value for r in message.recipients] == values
        participants = await conversation_service.contact_participant_ids(
            session, workspace.id, message.conversation_id
        )
        assert sorted(participants) == sorted(r.contact_id for r in message.recipients)

    @pytest.mark.parametrize("platform", ["sms", "whatsapp"])
    async def test_one_recipient_where_the_descriptor_says_so(
        self, workspace: WorkspaceFixture, session: Session, platform: str
    ) -> None:
        channel = await make_channel(session, workspace.id, platform)
        recipients = [{"value": "+15550101"}, {"value": "+15550102"}]
        with pytest.raises(UnprocessableEntity) as caught:
            await send(session, workspace.id, channel_id=channel.id, recipients=recipients)
        assert caught.value.field == "recipients"
        assert "several are for sandbox, email, webchat, webhook" in caught.value.message

    async def test_group_conversation_off_email_cannot_send(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        other = await make_contact(session, ws, "phonenumber", "+15550003")
        group = await make_conversation(session, ws, scene.channel, [scene.contact, other])
        with pytest.raises(UnprocessableEntity) as caught:
            await send(session, ws, conversation_id=group.id)
        assert caught.value.field == "recipients"

    @pytest.mark.parametrize("platform", ["sandbox", "webchat", "webhook", "email"])
    async def test_group_conversation_where_a_conversation_is_a_room(
        self, session: Session, workspace: WorkspaceFixture, platform: str
    ) -> None:
        ws = workspace.id
        room = await make_channel(session, ws, platform)
        members = [
            await make_contact(session, ws, "emailaddress", f"member{index}@example.com")
            for index in range(3)
        ]
        group = await make_conversation(session, ws, room, members)
        message = await send(session, ws, conversation_id=group.id)
        assert sorted(r.contact_id for r in message.recipients) == sorted(m.id for m in members)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({}, "conversation_id"),
            ({"channel_id": "CHANNEL"}, "recipients"),
            ({"channel_id": "CHANNEL", "recipients": []}, "recipients"),
        ],
    )
    async def test_where_to_is_required(
        self, scene: Scene, session: Session, fields: dict[str, object], field: str
    ) -> None:
        if fields.get("channel_id"):
            fields["channel_id"] = scene.channel.id
        with pytest.raises(UnprocessableEntity) as caught:
            await send(session, scene.workspace_id, **fields)
        assert caught.value.field == field

    async def test_unknown_conversation_is_not_found(self, scene: Scene, session: Session) -> None:
        with pytest.raises(NotFound):
            await send(session, scene.workspace_id, conversation_id="no-such-conversation")

    async def test_custom_payload_sets_the_type(self, scene: Scene, session: Session) -> None:
        agent = await make_agent(session, scene.workspace_id)
        message = await send(
            session,
            scene.workspace_id,
            conversation_id=scene.conversation.id,
            payload={"type": "custom", "name": "poll.v2", "data": {"question": "Lunch?"}},
            author={"type": "agent", "id": agent.id},
        )
        assert (message.type, message.text) == ("poll.v2", "Lunch?")
        assert (message.author.type, message.author.id) == ("agent", agent.id)


class TestUpdateAndDelete:
    async def test_update_replaces_payload_and_patches_tags(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await send(
            session, ws, conversation_id=scene.conversation.id, tags={"a": "1", "b": "2"}
        )
        updated = await message_service.update(
            session,
            ws,
            message.id,
            MessageUpdate.model_validate(
                {
                    "payload": {"type": "image", "url": "https://x/p.png", "caption": "new"},
                    "tags": {"a": None, "b": "3", "c": "4"},
                }
            ),
        )
        assert (updated.type, updated.text) == ("image", "new")
        assert updated.tags == {"b": "3", "c": "4"}
        assert updated.updated_at > message.updated_at
        assert await message_service.get_or_raise(session, ws, message.id) == updated
        assert await event_types(session, ws, message.id) == ["message.created", "message.updated"]

    async def test_update_without_change_writes_nothing(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await send(session, ws, conversation_id=scene.conversation.id, tags={"a": "1"})
        same = await message_service.update(
            session, ws, message.id, MessageUpdate.model_validate({"tags": {"a": "1"}})
        )
        assert same == message
        assert await event_types(session, ws, message.id) == ["message.created"]

    async def test_delete(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        message = await send(session, ws, conversation_id=scene.conversation.id)
        await message_service.delete(session, ws, message.id)
        assert await message_service.get(session, ws, message.id) is None
        conversation = await conversation_service.get_or_raise(session, ws, scene.conversation.id)
        assert conversation.message_count == 0
        assert (await event_types(session, ws, message.id))[-1] == "message.deleted"
        with pytest.raises(NotFound):
            await message_service.delete(session, ws, message.id)

    async def test_the_delete_event_tells_what_the_gone_row_can_no_longer(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        message = await send(
            session,
            ws,
            conversation_id=scene.conversation.id,
            direction="incoming",
            author={"type": "contact", "id": scene.contact.id},
        )
        await message_service.delete(session, ws, message.id)
        page = await event_service.list(session, ws, limit=500)
        [deleted] = [e for e in page.events if e.type == "message.deleted"]
        assert (deleted.message_id, deleted.conversation_id) == (
            message.id,
            message.conversation_id,
        )
        assert deleted.data == {
            "message_id": message.id,
            "conversation_id": message.conversation_id,
            "author": {"type": "contact", "id": scene.contact.id},
            "direction": "incoming",
            "status": "delivered",
        }

    async def test_another_workspace_sees_nothing(
        self, other_workspace: WorkspaceFixture, scene: Scene, session: Session
    ) -> None:
        # other_workspace first: its transaction must end before ``session`` takes the lock.
        message = await send(session, scene.workspace_id, conversation_id=scene.conversation.id)
        assert await message_service.get(session, other_workspace.id, message.id) is None
        with pytest.raises(NotFound):
            await message_service.update(session, other_workspace.id, message.id, MessageUpdate())


def get_or_create_request(scene: Scene, **fields: object) -> MessageGetOrCreate:
    return MessageGetOrCreate.model_validate(
        {"conversation_id": scene.conversation.id, "payload": text("hi"), **fields}
    )


class TestGetOrCreate:
    async def test_matching_tags_return_the_message_with_changes(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        first, created = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "r1"})
        )
        again, created_again = await message_service.get_or_create(
            session,
            ws,
            get_or_create_request(scene, tags={"ref": "r1"}, payload=text("edited")),
        )
        assert (created, created_again) == (True, False)
        assert (again.id, again.text, again.tags) == (first.id, "edited", {"ref": "r1"})
        assert await message_service.get_or_raise(session, ws, first.id) == again

    async def test_other_tags_do_not_match(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        first, _ = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "r3"})
        )
        other, created = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "r3", "x": "y"})
        )
        assert created
        assert other.id != first.id

    async def test_discriminate_by_some_tags(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        first, _ = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "r2", "try": "1"})
        )
        again, created = await message_service.get_or_create(
            session,
            ws,
            get_or_create_request(
                scene, tags={"ref": "r2", "try": "2"}, discriminate_by_tags=["ref"]
            ),
        )
        assert (again.id, created, again.tags["try"]) == (first.id, False, "2")
        other, created_other = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "r2", "try": "3"})
        )
        assert created_other
        assert other.id != first.id

    async def test_without_tags_always_creates(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        one, c1 = await message_service.get_or_create(session, ws, get_or_create_request(scene))
        two, c2 = await message_service.get_or_create(session, ws, get_or_create_request(scene))
        assert c1
        assert c2
        assert one.id != two.id

    async def test_scope_is_the_conversation(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        other = await make_scene(session, ws, address="+15559999")
        first, _ = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "same"})
        )
        elsewhere, created = await message_service.get_or_create(
            session, ws, get_or_create_request(other, tags={"ref": "same"})
        )
        assert created
        assert elsewhere.id != first.id

    async def test_plain_created_message_is_found(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        plain = await send(session, ws, conversation_id=scene.conversation.id, tags={"k": "v"})
        found, created = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"k": "v"})
        )
        assert (found.id, created) == (plain.id, False)

    async def test_retagged_message_is_no_longer_found(
        self, scene: Scene, session: Session
    ) -> None:
        ws = scene.workspace_id
        first, _ = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "old"})
        )
        await message_service.update(
            session, ws, first.id, MessageUpdate.model_validate({"tags": {"ref": "new"}})
        )
        fresh, created = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "old"})
        )
        assert created
        assert fresh.id != first.id

    async def test_deleted_message_is_created_again(self, scene: Scene, session: Session) -> None:
        ws = scene.workspace_id
        first, _ = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "gone"})
        )
        await message_service.delete(session, ws, first.id)
        fresh, created = await message_service.get_or_create(
            session, ws, get_or_create_request(scene, tags={"ref": "gone"})
        )
        assert created
        assert fresh.id != first.id

    async def test_creating_needs_a_payload(self, scene: Scene, session: Session) -> None:
        with pytest.raises(UnprocessableEntity) as caught:
            await message_service.get_or_create(
                session,
                scene.workspace_id,
                get_or_create_request(scene, tags={"ref": "p"}, payload=None),
            )
        assert caught.value.field == "payload"


@pytest.mark.parametrize("addressed_by", ["conversation", "channel"])
async def test_concurrent_get_or_create_makes_one_message(
    database: Database, workspace: WorkspaceFixture, addressed_by: str
) -> None:
    async with database.transaction() as session:
        scene = await make_scene(session, workspace.id)
    where: dict[str, object] = {"conversation_id": scene.conversation.id}
    if addressed_by == "channel":
        where = {"channel_id": scene.channel.id, "recipients": [{"value": "+15550002"}]}
    request = MessageGetOrCreate.model_validate(
        {**where, "payload": text("hi"), "tags": {"ref": "race"}}
    )

    async def attempt() -> tuple[str, str, bool]:
        async with database.transaction() as session:
            found, created = await message_service.get_or_create(session, workspace.id, request)
            return found.id, found.conversation_id, created

    results = await asyncio.gather(*(attempt() for _ in range(50)))
    assert len({message_id for message_id, _, _ in results}) == 1
    assert sum(created for _, _, created in results) == 1
    [conversation_id] = {conversation_id for _, conversation_id, _ in results}
    async with database.read() as session:
        conversation = await conversation_service.get_or_raise(
            session, workspace.id, conversation_id
        )
    assert conversation.message_count == 1
