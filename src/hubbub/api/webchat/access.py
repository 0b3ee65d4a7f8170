"""What an end user may see: the conversations of his channel that he takes part in, and in
them the messages that reached him (his own, and outgoing ones once sent: a message scheduled
for tomorrow or one that failed before leaving is not his to see). Anything else answers 404,
exactly as a conversation or message that does not exist, so ids reveal nothing."""

from __future__ import annotations

from typing import Final

from hubbub.api.webchat.deps import WebchatUser
from hubbub.conversations.schemas import Conversation
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import NotFound
from hubbub.messages.schemas import Message
from hubbub.messages.service import message as message_service
from hubbub.messages.status import Status

# Incoming messages are stored ``delivered``; outgoing ones reach the user from ``sent`` on.
VISIBLE: Final[tuple[Status, ...]] = ("sent", "delivered", "read")


def is_visible(message: Message) -> bool:
    return message.status in VISIBLE


async def takes_part(session: Session, user: WebchatUser, conversation: Conversation) -> bool:
    if conversation.channel_id != user.channel.id:
        return False
    participants = await conversation_service.contact_participant_ids(
        session, user.workspace_id, conversation.id
    )
    return user.id in participants


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
    conversation = await conversation_service.get(session, user.workspace_id, found.conversation_id)
    if conversation is None or not await takes_part(session, user, conversation):
        raise NotFound("message", message_id)
    return found
