"""What an end user may see: the conversations of his channel that he takes part in, and in
them the messages that reached him (his own, and outgoing ones once sent: a message scheduled
for tomorrow or one that failed before leaving is not his to see), the Chat custom events of
those conversations, and the users of his channel. Anything else answers 404, exactly as a
conversation, message, event or user that does not exist, so ids reveal nothing."""

from __future__ import annotations

from typing import Final

from hubbub.api.webchat.deps import WebchatUser
from hubbub.bot_events.schemas import BotEvent
from hubbub.bot_events.service import bot_event as bot_event_service
from hubbub.channels.schemas import Channel
from hubbub.contacts.schemas import Contact
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import Conversation
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import NotFound
from hubbub.messages.schemas import Message
from hubbub.messages.service import message as message_service
from hubbub.messages.status import WENT_OUT, Status

# Incoming messages are stored ``delivered``; outgoing ones reach the user once they went out.
VISIBLE: Final[tuple[Status, ...]] = WENT_OUT
# A tag that lets operators find a channel's webchat users (GET /v1/contacts?tag=...); it is
# also what makes a contact a user of that channel here.
CHANNEL_TAG: Final = "webchat_channel"
# The core bot-event type of Chat custom events (``POST /events``). Only these are the user's
# to read: other bot events of his conversations are the bot's own business. A bot that wants
# the page to get an event creates one of this type.
CUSTOM_EVENT_TYPE: Final = "webchat:custom"


def is_visible(message: Message) -> bool:
    return message.status in VISIBLE


async def takes_part(session: Session, user: WebchatUser, conversation: Conversation) -> bool:
    if conversation.channel_id != user.channel.id:
        return False
    return await is_participant(session, user.workspace_id, conversation.id, user.id)


async def is_participant(
    session: Session, workspace_id: str, conversation_id: str, contact_id: str
) -> bool:
    """Whether the contact is one of the conversation's (contact) participants."""
    participants = await conversation_service.contact_participant_ids(
        session, workspace_id, conversation_id
    )
    return contact_id in participants


async def users_conversation(
    session: Session, user: WebchatUser, conversation_id: str
) -> Conversation:
    found = await conversation_service.get(session, user.workspace_id, conversation_id)
    if found is None or not await takes_part(session, user, found):
        raise NotFound("conversation", conversation_id)
    return found


async def users_message(session: Session, user: WebchatUser, message_id: str) -> Message:
    found = await message_service.get(session, user.workspace_id, message_id)
    if found is None or not is_visible(found):
        raise NotFound("message", message_id)
    await _in_users_conversation(session, user, found.conversation_id, "message", message_id)
    return found


async def users_event(session: Session, user: WebchatUser, event_id: str) -> BotEvent:
    found = await bot_event_service.get_or_raise(session, user.workspace_id, event_id)
    if found.type != CUSTOM_EVENT_TYPE or found.conversation_id is None:
        raise NotFound("event", event_id)
    await _in_users_conversation(session, user, found.conversation_id, "event", event_id)
    return found


async def _in_users_conversation(
    session: Session, user: WebchatUser, conversation_id: str, resource: str, resource_id: str
) -> None:
    """Answer 404 for ``resource`` unless it lies in a conversation the user takes part in."""
    conversation = await conversation_service.get(session, user.workspace_id, conversation_id)
    if conversation is None or not await takes_part(session, user, conversation):
        raise NotFound(resource, resource_id)


async def channel_user(session: Session, channel: Channel, user_id: str) -> Contact:
    """A user of the channel by id: a contact of its workspace created as one of its users."""
    found = await contact_service.get(session, channel.workspace_id, user_id)
    if found is None or found.tags.get(CHANNEL_TAG) != channel.id:
        raise NotFound("user", user_id)
    return found
