"""Users: a Chat user is a core contact of the channel's workspace, created anonymously by the
page that talks to us. Its id (the contact id) is also its ``userid`` identifier, so that the
native API can address it as a recipient on the channel; ``POST /users`` answers the user's key,
which every other route needs. ``DELETE /users/me`` deletes the contact: the key, which names it,
stops working (401), and the user leaves every conversation (each departure recorded, so the
other participants' streams signal ``participant_removed``); the messages he wrote stay, as
the conversation's history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hubbub.api.deps import WriteSession
from hubbub.api.errors import json_response
from hubbub.api.webchat import keys
from hubbub.api.webchat.access import CHANNEL_TAG
from hubbub.api.webchat.deps import Reader, WriteChannel, Writer, app_secret
from hubbub.api.webchat.mapping import PICTURE_ATTRIBUTE, PROFILE_ATTRIBUTE, chat_user
from hubbub.api.webchat.schemas import UserBody, UserCreateBody
from hubbub.connectors import webchat
from hubbub.contacts.schemas import Contact, ContactCreate, ContactUpdate, Identifier
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.errors import InvalidInput

router = APIRouter(tags=["webchat"])

IDENTIFIER_KEY = webchat.PLATFORM.identifier_key


@router.post("/users", status_code=201)
async def create_user(
    request: Request,
    channel: WriteChannel,
    session: WriteSession,
    body: UserCreateBody | None = None,
) -> Response:
    body = body or UserCreateBody()
    if body.id is not None:
        raise InvalidInput("Hubbub chooses user ids; leave id out", field="id")
    created = await contact_service.create(
        session,
        channel.workspace_id,
        ContactCreate(
            name=body.name, attributes=_attributes({}, body), tags={CHANNEL_TAG: channel.id}
        ),
    )
    # The contact id is only known now; it becomes the user's address on the channel.
    addressed = await contact_service.update(
        session,
        channel.workspace_id,
        created.id,
        ContactUpdate(add_identifiers=[Identifier(key=IDENTIFIER_KEY, value=created.id)]),
    )
    key = keys.issue(app_secret(request), keys.UserKey(channel.id, created.id))
    return json_response({"user": chat_user(addressed), "key": key}, 201)


@router.post("/users/get-or-create")
async def get_or_create_user(
    user: Writer, session: WriteSession, body: UserBody | None = None
) -> Response:
    """With a key, the user already exists: the body's fields, if any, update it."""
    contact = user.contact
    if body is not None and body.model_fields_set:
        contact = await _update(session, user.workspace_id, contact, body)
    return json_response({"user": chat_user(contact)}, 200)


@router.get("/users/me")
async def get_me(user: Reader) -> Response:
    return json_response({"user": chat_user(user.contact)}, 200)


@router.put("/users/me")
async def update_me(user: Writer, session: WriteSession, body: UserBody) -> Response:
    updated = await _update(session, user.workspace_id, user.contact, body)
    return json_response({"user": chat_user(updated)}, 200)


@router.delete("/users/me")
async def delete_me(user: Writer, session: WriteSession) -> Response:
    await conversation_service.delete_contact(session, user.workspace_id, user.id)
    return json_response({}, 200)


async def _update(
    session: WriteSession, workspace_id: str, contact: Contact, body: UserBody
) -> Contact:
    values: dict[str, Any] = {"attributes": _attributes(contact.attributes, body)}
    if "name" in body.model_fields_set:
        values["name"] = body.name  # an explicit null clears it
    return await contact_service.update(session, workspace_id, contact.id, ContactUpdate(**values))


def _attributes(current: dict[str, Any], body: UserBody) -> dict[str, Any]:
    """The contact's attributes with the fields the body gives (null removes one)."""
    attributes = dict(current)
    for field, attribute in (("pictureUrl", PICTURE_ATTRIBUTE), ("profile", PROFILE_ATTRIBUTE)):
        if field not in body.model_fields_set:
            continue
        value = getattr(body, field)
        if value is None:
            attributes.pop(attribute, None)
        else:
            attributes[attribute] = value
    return attributes
