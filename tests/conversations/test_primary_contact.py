"""One rule for who a conversation is with and where we address them: the first contact
participant (in the order they joined), at its identifier under the platform's key, else its
first identifier. The Recrubo thread's ``identifier`` and an outgoing message's recipients
follow it."""

from __future__ import annotations

from hubbub.channels.schemas import ChannelCreate
from hubbub.channels.service import channel as channel_service
from hubbub.contacts.schemas import ContactCreate, Identifier
from hubbub.contacts.service import address_of
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import ConversationCreate
from hubbub.conversations.service import conversation as conversation_service
from hubbub.conversations.service import primary_contact_id
from hubbub.db.uow import Session
from hubbub.messages.schemas import MessageCreate
from hubbub.messages.service import message as message_service
from tests.conftest import WorkspaceFixture


def person(*identifiers: tuple[str, str]) -> ContactCreate:
    return ContactCreate(identifiers=[Identifier(key=k, value=v) for k, v in identifiers])


async def test_the_first_contact_to_join_is_the_primary_one(
    workspace: WorkspaceFixture, session: Session
) -> None:
    ada = await contact_service.create(session, workspace.id, person(("userid", "ada")))
    bob = await contact_service.create(session, workspace.id, person(("userid", "bob")))
    empty = await conversation_service.create(session, workspace.id, ConversationCreate())
    assert await conversation_service.primary_contact(session, workspace.id, empty.id) is None
    conversation = await conversation_service.create(
        session, workspace.id, ConversationCreate(participant_ids=[ada.id])
    )
    await conversation_service.add_participant(
        session, workspace.id, conversation.id, contact_id=bob.id
    )
    primary = await conversation_service.primary_contact(session, workspace.id, conversation.id)
    assert primary == ada
    assert primary_contact_id([bob.id, ada.id]) == bob.id
    assert primary_contact_id([]) is None


async def test_the_address_is_under_the_platform_key_else_the_first_identifier(
    workspace: WorkspaceFixture, session: Session
) -> None:
    both = await contact_service.create(
        session, workspace.id, person(("userid", "u1"), ("phonenumber", "+31600000001"))
    )
    only_user = await contact_service.create(session, workspace.id, person(("userid", "u2")))
    nameless = await contact_service.create(session, workspace.id, ContactCreate())
    assert address_of(both, "phonenumber") == Identifier(key="phonenumber", value="+31600000001")
    assert address_of(only_user, "phonenumber") == Identifier(key="userid", value="u2")
    assert address_of(both, None) == both.identifiers[0]
    assert address_of(nameless, "phonenumber") is None


async def test_contacts_are_read_together_in_the_order_asked(
    workspace: WorkspaceFixture, session: Session
) -> None:
    ada = await contact_service.create(session, workspace.id, person(("userid", "ada")))
    bob = await contact_service.create(session, workspace.id, person(("userid", "bob")))
    found = await contact_service.get_many(session, workspace.id, [bob.id, "missing", ada.id])
    assert found == [bob, ada]
    assert await contact_service.get_many(session, workspace.id, []) == []


async def test_an_outgoing_message_addresses_each_participant_by_the_rule(
    workspace: WorkspaceFixture, session: Session
) -> None:
    channel = await channel_service.create(
        session, workspace.id, ChannelCreate(platform="sms", name="sms")
    )
    held = await contact_service.create(
        session, workspace.id, person(("userid", "u3"), ("phonenumber", "+31600000003"))
    )
    conversation = await conversation_service.create(
        session,
        workspace.id,
        ConversationCreate(channel_id=channel.id, participant_ids=[held.id]),
    )
    data = MessageCreate.model_validate(
        {"conversation_id": conversation.id, "payload": {"type": "text", "text": "hi"}}
    )
    sent = await message_service.create(session, workspace.id, data)
    [recipient] = sent.recipients
    assert (recipient.contact_id, recipient.key, recipient.value) == (
        held.id,
        "phonenumber",
        "+31600000003",
    )
