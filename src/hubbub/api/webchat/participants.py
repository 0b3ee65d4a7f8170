"""Participants: the users of a conversation, listed, added, read and removed by a user who
takes part in it (anyone else gets the 404 of a conversation that does not exist).

A Chat participant is a contact participant of the core conversation: agents and bots that take
part are not Chat users (they show as the authors of their messages), so they are neither listed
nor removable here. A user added must be a user of the same channel. The conversation's first
participant, the user who opened it, is its owner: as in Botpress, it cannot be removed
(InvalidPayload); any participant may remove any other, himself included. Each addition and
removal is a core event, which the conversation's listen streams signal (``participant_added``,
``participant_removed``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from hubbub.api.deps import Cursors, ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.api.webchat.access import channel_user, users_conversation
from hubbub.api.webchat.deps import Reader, WebchatUser, Writer
from hubbub.api.webchat.mapping import chat_user
from hubbub.api.webchat.paging import CURSOR_PARAM, PAGE_SIZE, NextToken, meta
from hubbub.api.webchat.schemas import ParticipantAddBody
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.schemas import Participant
from hubbub.conversations.service import conversation as conversation_service
from hubbub.db.uow import Session
from hubbub.errors import InvalidCursor, InvalidInput, NotFound
from hubbub.kit.cursors import Cursor

router = APIRouter(tags=["webchat"])


@router.get("/conversations/{conversation_id}/participants")
async def list_participants(
    conversation_id: str,
    user: Reader,
    session: ReadSession,
    cursors: Cursors,
    next_token: NextToken = None,
) -> Response:
    """In the order they joined, the owner first; a page is one keyset query, so a token
    stays valid as people come and go."""
    await users_conversation(session, user, conversation_id)
    page, cursor = await _page(
        session, user, conversation_id, cursors.decode_optional(next_token, field=CURSOR_PARAM)
    )
    users = [
        chat_user(await contact_service.get_or_raise(session, user.workspace_id, p.contact_id))
        for p in page
    ]
    return json_response({"participants": users, "meta": meta(cursors, cursor)}, 200)


@router.post("/conversations/{conversation_id}/participants")
async def add_participant(
    conversation_id: str, body: ParticipantAddBody, user: Writer, session: WriteSession
) -> Response:
    """Adding a user who already takes part changes nothing and answers him all the same."""
    await users_conversation(session, user, conversation_id)
    added = await channel_user(session, user.channel, body.userId)
    await conversation_service.add_participant(
        session, user.workspace_id, conversation_id, contact_id=added.id
    )
    return json_response({"participant": chat_user(added)}, 200)


@router.get("/conversations/{conversation_id}/participants/{user_id}")
async def get_participant(
    conversation_id: str, user_id: str, user: Reader, session: ReadSession
) -> Response:
    await users_conversation(session, user, conversation_id)
    await _participant(session, user, conversation_id, user_id)
    contact = await contact_service.get_or_raise(session, user.workspace_id, user_id)
    return json_response({"participant": chat_user(contact)}, 200)


@router.delete("/conversations/{conversation_id}/participants/{user_id}")
async def remove_participant(
    conversation_id: str, user_id: str, user: Writer, session: WriteSession
) -> Response:
    await users_conversation(session, user, conversation_id)
    removed = await _participant(session, user, conversation_id, user_id)
    first, _ = await _page(session, user, conversation_id, None, limit=1)
    if first[0].contact_id == removed.contact_id:
        raise InvalidInput(
            "the owner of a conversation (the user who opened it) cannot be removed",
            field="userId",
        )
    await conversation_service.remove_participant(
        session, user.workspace_id, conversation_id, contact_id=user_id
    )
    return json_response({}, 200)


async def _participant(
    session: Session, user: WebchatUser, conversation_id: str, user_id: str
) -> Participant:
    """The Chat participant ``user_id``: a contact participant (agents and bots are not)."""
    found = await conversation_service.get_participant(
        session, user.workspace_id, conversation_id, user_id
    )
    if found is None or found.role != "contact":
        raise NotFound("participant", user_id)
    return found


async def _page(
    session: Session,
    user: WebchatUser,
    conversation_id: str,
    after: Cursor | None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Participant], Cursor | None]:
    """The contact participants after the cursor, in the order they joined (the first one,
    the user who opened the conversation, is its owner)."""
    if after is not None and after.order != "asc":
        raise InvalidCursor("the token was issued for another list", field=CURSOR_PARAM)
    return await conversation_service.list_participant_page(
        session, user.workspace_id, conversation_id, role="contact", limit=limit, cursor=after
    )
