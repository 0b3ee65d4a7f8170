"""Inbound: messages find their contact and conversation, replies thread by provider id,
duplicates are stored once, and status callbacks never move a message backwards."""

from __future__ import annotations

from datetime import timedelta

from hubbub.channels.service import channel as channel_service
from hubbub.config import Settings
from hubbub.connectors.base import (
    Address,
    ChannelInfo,
    InboundBatch,
    InboundMessage,
    StatusUpdate,
)
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Database
from hubbub.delivery.channels import channel_info
from hubbub.delivery.inbound import receive
from hubbub.delivery.repository import DeliveryRepository
from hubbub.delivery.runner import run_due
from hubbub.kit.clock import utcnow
from hubbub.messages.schemas import Message
from hubbub.messages.service import message as message_service
from tests.conftest import WorkspaceFixture
from tests.delivery.conftest import PHONE, get_message, make_channel, send


def text_from(sender: str, words: str, **extra: object) -> InboundMessage:
    return InboundMessage(
        sender=Address("phonenumber", sender), payload={"type": "text", "text": words}, **extra
    )  # type: ignore[arg-type]


async def test_an_inbound_message_creates_its_contact_and_conversation(
    database: Database, workspace: WorkspaceFixture
) -> None:
    channel = await make_channel(database, workspace.id)
    batch = InboundBatch(
        messages=(text_from("+31 6 1111 2222", "hi there", provider_message_id="p1"),)
    )
    async with database.transaction() as session:
        [stored] = await receive(session, channel_info(channel), batch)
    assert (stored.direction, stored.status, stored.text) == ("incoming", "delivered", "hi there")
    assert stored.channel_id == channel.id
    async with database.read() as session:
        [contact] = await contact_service.find_by_identifier(
            session, workspace.id, key="phonenumber", value="+31611112222"
        )
        conversation = await conversation_service.get_or_raise(
            session, workspace.id, stored.conversation_id
        )
    assert stored.author.id == contact.id
    assert conversation.last_inbound_at is not None
    assert abs(conversation.last_inbound_at - utcnow()) < timedelta(minutes=1)


async def test_the_same_provider_message_is_stored_once(
    database: Database, workspace: WorkspaceFixture
) -> None:
    channel = await make_channel(database, workspace.id)
    batch = InboundBatch(messages=(text_from(PHONE, "once", provider_message_id="dup-1"),))
    async with database.transaction() as session:
        first = await receive(session, channel_info(channel), batch)
        second = await receive(session, channel_info(channel), batch)
    assert len(first) == 1
    assert second == []


async def test_a_reply_joins_the_conversation_of_the_message_it_answers(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    channel = await make_channel(database, workspace.id)
    outgoing = await send(database, workspace.id, channel, to=PHONE)
    await run_due(database, fast, workspace_id=workspace.id)
    # Someone else answers the thread (a colleague in cc, say): the reply still joins it.
    reply = text_from("+15550000001", "re: hello", in_reply_to=("nope", f"sandbox-{outgoing.id}"))
    fresh = text_from("+15550000001", "new topic")
    async with database.transaction() as session:
        [joined, apart] = await receive(
            session, channel_info(channel), InboundBatch(messages=(reply, fresh))
        )
    assert joined.conversation_id == outgoing.conversation_id
    assert apart.conversation_id != outgoing.conversation_id


async def test_an_answer_lands_in_the_conversation_messages_to_the_contact_use(
    database: Database, workspace: WorkspaceFixture
) -> None:
    channel = await make_channel(database, workspace.id)
    outgoing = await send(database, workspace.id, channel, to=PHONE)
    async with database.transaction() as session:
        [answer] = await receive(
            session, channel_info(channel), InboundBatch(messages=(text_from(PHONE, "yes"),))
        )
    assert answer.conversation_id == outgoing.conversation_id


async def sent_message(
    database: Database, workspace_id: str, settings: Settings
) -> tuple[Message, str]:
    channel = await make_channel(database, workspace_id)
    message = await send(database, workspace_id, channel)
    slow = settings.model_copy(update={"sandbox_step_seconds": 3600.0})
    await run_due(database, slow, workspace_id=workspace_id)
    async with database.read() as session:
        provider_id = await DeliveryRepository(session).provider_id_of(workspace_id, message.id)
    assert provider_id is not None
    return message, channel.id


async def sent_on_its_channel(
    database: Database, workspace_id: str, settings: Settings
) -> tuple[Message, ChannelInfo]:
    """A message sent, and the channel (as inbound paths know it) it went out on."""
    message, channel_id = await sent_message(database, workspace_id, settings)
    async with database.read() as session:
        own = channel_info(await channel_service.get_or_raise(session, workspace_id, channel_id))
    return message, own


async def test_status_callbacks_out_of_order_never_move_backwards(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    message, channel_id = await sent_message(database, workspace.id, fast)
    channel = await make_channel(database, workspace.id)  # a different channel knows nothing
    info = channel_info(channel)
    async with database.read() as session:
        own = channel_info(await channel_service.get_or_raise(session, workspace.id, channel_id))
    provider_id = f"sandbox-{message.id}"
    statuses = (
        StatusUpdate(provider_id, "read"),
        StatusUpdate(provider_id, "delivered"),  # late
        StatusUpdate(provider_id, "read"),  # duplicate
        StatusUpdate(provider_id, "failed", failure_code="30003"),  # after read: ignored
        StatusUpdate("unknown-id", "delivered"),
    )
    async with database.transaction() as session:
        await receive(session, info, InboundBatch(statuses=statuses[:1]))
    assert (await get_message(database, workspace.id, message.id)).status == "sent"
    async with database.transaction() as session:
        await receive(session, own, InboundBatch(statuses=statuses))
    final = await get_message(database, workspace.id, message.id)
    assert final.status == "read"
    assert final.failure is None


async def test_a_read_callback_for_a_message_only_sent_records_delivered_first(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    message, own = await sent_on_its_channel(database, workspace.id, fast)
    batch = InboundBatch(statuses=(StatusUpdate(f"sandbox-{message.id}", "read"),))
    async with database.transaction() as session:
        await receive(session, own, batch)
    async with database.read() as session:
        entries, _ = await message_service.list_interactions(
            session, workspace.id, message.id, order="asc"
        )
    assert [entry.type for entry in entries][-3:] == ["sent", "delivered", "read"]
    assert (await get_message(database, workspace.id, message.id)).status == "read"


async def test_a_failure_callback_keeps_the_provider_code(
    database: Database, workspace: WorkspaceFixture, fast: Settings
) -> None:
    message, own = await sent_on_its_channel(database, workspace.id, fast)
    update = StatusUpdate(
        f"sandbox-{message.id}", "failed", failure_code="30003", failure_reason="unreachable"
    )
    async with database.transaction() as session:
        await receive(session, own, InboundBatch(statuses=(update,)))
    failed = await get_message(database, workspace.id, message.id)
    assert failed.status == "failed"
    assert failed.failure is not None
    assert (failed.failure.stage, failed.failure.code, failed.failure.reason) == (
        "delivery",
        "30003",
        "unreachable",
    )
