"""Finding the users and user chats a Channel.io path names, in the caller's workspace."""

from __future__ import annotations

from hubbub.api.channelio import defaults
from hubbub.contacts.schemas import Contact
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import Conversation
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import NotFound


async def find_user(session: Session, workspace_id: str, reference: str) -> Contact:
    """``reference`` is a user id, or ``@<memberId>``."""
    if not reference.startswith(defaults.MEMBER_REF_PREFIX):
        return await contact_service.get_or_raise(session, workspace_id, reference)
    member_id = reference.removeprefix(defaults.MEMBER_REF_PREFIX)
    found = await find_member(session, workspace_id, member_id)
    if found is None:
        raise NotFound("contact", reference)
    return found


async def find_member(session: Session, workspace_id: str, member_id: str) -> Contact | None:
    if not member_id.strip():
        return None
    found = await contact_service.find_by_identifier(
        session, workspace_id, value=member_id, key=defaults.MEMBER_ID_KEY
    )
    return found[0] if found else None


async def find_chat(session: Session, workspace_id: str, chat_id: str) -> Conversation:
    return await conversation_service.get_or_raise(session, workspace_id, chat_id)


async def chat_user(
    session: Session, workspace_id: str, conversation: Conversation
) -> Contact | None:
    """The chat's user: its primary contact."""
    return await conversation_service.primary_contact(session, workspace_id, conversation.id)
