"""Participants: the users of a conversation, listed, added, read and removed by a user who
takes part in it (anyone else gets the 404 of a conversation that does not exist).

A Chat participant is a contact participant of the core conversation: agents and bots that take
part are not Chat users (they show as the authors of their messages), so they are neither listed
nor removable here. A user added must be a user of the same channel. The conversation's first
participant, the user who opened it, is its owner: as in Botpress, it cannot be removed
(InvalidPayload); any participant may remove any other, himself included."""

from __future__ import annotations

import builtins

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
from hubbub.kit.clock import to_micros
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
    """In the order they joined, the owner first."""
    participants = await _participants(session, user, conversation_id)
    page, cursor = _page(participants, cursors.decode_optional(next_token, field=CURSOR_PARAM))
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
    participants = await _participants(session, user, conversation_id)
    _find(participants, user_id)
    contact = await contact_service.get_or_raise(session, user.workspace_id, user_id)
    return json_response({"participant": chat_user(contact)}, 200)


@router.delete("/conversations/{conversation_id}/participants/{user_id}")
async def remove_participant(
    conversation_id: str, user_id: str, user: Writer, session: WriteSession
) -> Response:
    participants = await _participants(session, user, conversation_id)
    if _find(participants, user_id) is participants[0]:
        raise InvalidInput(
            "the owner of a conversation (the user who opened it) cannot be removed",
            field="userId",
        )
    await conversation_service.remove_participant(
        session, user.workspace_id, conversation_id, contact_id=user_id
    )
    return json_response({}, 200)


async def _participants(
    session: Session, user: WebchatUser, conversation_id: str
) -> builtins.list[Participant]:
    """The conversation's contact participants in the order they joined (never empty: the
    user himself is one)."""
    await users_conversation(session, user, conversation_id)
    every = await conversation_service.list_participants(
        session, user.workspace_id, conversation_id
    )
    # Sorted here, not by the database: cursors compare keys in Python, and a collation may
    # order ids otherwise.
    return sorted((p for p in every if p.role == "contact"), key=_key)


def _find(participants: builtins.list[Participant], user_id: str) -> Participant:
    for participant in participants:
        if participant.contact_id == user_id:
            return participant
    raise NotFound("participant", user_id)


def _page(
    participants: builtins.list[Participant], after: Cursor | None
) -> tuple[builtins.list[Participant], Cursor | None]:
    """A page of the (joined, id)-ordered list after the cursor. The core lists a
    conversation's participants whole, and a chat has a handful: the page is cut here, with
    the same keyset cursors as every other list, so a token stays valid as people come and go."""
    if after is not None and after.order != "asc":
        raise InvalidCursor("the token was issued for another list", field=CURSOR_PARAM)
    if after is not None:
        position = (after.created_us, after.id)
        participants = [p for p in participants if _key(p) > position]
    if len(participants) <= PAGE_SIZE:
        return participants, None
    page = participants[:PAGE_SIZE]
    last = page[-1]
    return page, Cursor(created_us=to_micros(last.created_at), id=last.contact_id, order="asc")


def _key(participant: Participant) -> tuple[int, str]:
    return to_micros(participant.created_at), participant.contact_id
