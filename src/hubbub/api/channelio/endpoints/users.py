"""Users = core contacts, with ``memberId`` as their identifier under ``defaults.MEMBER_ID_KEY``.

``PUT /users/@{memberId}`` upserts: the contact holding the member id (created if none, safe
under concurrency through the core's get-or-create by identifier) gets the request's profile.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from hubbub.api.channelio import defaults, views
from hubbub.api.channelio.deps import Reader, Writer
from hubbub.api.channelio.errors import build
from hubbub.api.channelio.lookup import find_user
from hubbub.api.channelio.schemas import UserUpsert
from hubbub.api.deps import ReadSession, WriteSession
from hubbub.api.errors import json_response
from hubbub.contacts.schemas import Contact, ContactUpdate
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.kit.tags import public_tags

router = APIRouter(tags=["channelio"])


@router.put("/users/@{member_id}")
async def upsert_user(
    member_id: str, data: UserUpsert, actor: Writer, session: WriteSession
) -> Response:
    profile_name = (data.profile or {}).get("name")
    found, _ = await contact_service.get_or_create_by_identifier(
        session,
        actor.workspace_id,
        key=defaults.MEMBER_ID_KEY,
        value=member_id,
        name=profile_name if isinstance(profile_name, str) else None,
    )
    updated = await contact_service.update(
        session, actor.workspace_id, found.id, contact_update(found, data)
    )
    return json_response({"user": views.user(updated)}, 200)


@router.get("/users/{user_id}")
async def get_user(user_id: str, actor: Reader, session: ReadSession) -> Response:
    found = await find_user(session, actor.workspace_id, user_id)
    return json_response({"user": views.user(found)}, 200)


@router.delete("/users/{user_id}")
async def delete_user(user_id: str, actor: Writer, session: WriteSession) -> Response:
    found = await find_user(session, actor.workspace_id, user_id)
    await conversation_service.delete_contact(session, actor.workspace_id, found.id)
    return Response(status_code=defaults.DELETE_STATUS)


def contact_update(contact: Contact, data: UserUpsert) -> ContactUpdate:
    """``profile`` sets (null removes), ``profileOnce`` fills what is unset, ``tags``
    replace; ``profile.name`` is the contact's name, other profile fields its attributes."""
    attributes = dict(contact.attributes)
    name = contact.name
    for key, value in (data.profileOnce or {}).items():
        if key == "name":
            name = name if name is not None else _text(value)
        elif attributes.get(key) is None and value is not None:
            attributes[key] = value
    for key, value in (data.profile or {}).items():
        if key == "name":
            name = _text(value)
        elif value is None:
            attributes.pop(key, None)
        else:
            attributes[key] = value
    for wire_name, attribute in defaults.USER_FIELD_ATTRIBUTES.items():
        value = getattr(data, wire_name)
        if value is not None:
            attributes[attribute] = value
    fields: dict[str, Any] = {"attributes": attributes}
    if name != contact.name:
        fields["name"] = name
    if data.tags is not None:
        wanted = set(data.tags)
        current = public_tags(contact.tags)  # private tags are no client's to replace
        patch: dict[str, str | None] = {tag: None for tag in current if tag not in wanted}
        patch.update(dict.fromkeys(wanted, defaults.USER_TAG_VALUE))
        fields["tags"] = patch
    return build(ContactUpdate, **fields)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
