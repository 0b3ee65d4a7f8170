"""``/v1/contacts``: contacts, their identifiers, and get-or-create by identifier."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from hubbub.api.native.deps import Cursors, Reader, ReadSession, Writer, WriteSession
from hubbub.contacts.schemas import Contact, ContactCreate, ContactGetOrCreate, ContactUpdate
from hubbub.contacts.service import MAX_PAGE
from hubbub.contacts.service import contact as contact_service
from hubbub.conversations.service import conversation as conversation_service
from hubbub.kit.cursors import Order

router = APIRouter(tags=["contacts"])


class ContactList(BaseModel):
    data: list[Contact]
    next_cursor: str | None


class GotOrCreatedContact(BaseModel):
    contact: Contact
    created: bool


@router.post("/contacts", status_code=status.HTTP_201_CREATED)
async def create_contact(body: ContactCreate, actor: Writer, session: WriteSession) -> Contact:
    return await contact_service.create(session, actor.workspace_id, body)


@router.post("/contacts/get-or-create")
async def get_or_create_contact(
    body: ContactGetOrCreate, actor: Writer, session: WriteSession
) -> GotOrCreatedContact:
    contact, created = await contact_service.get_or_create_by_identifier(
        session, actor.workspace_id, key=body.key, value=body.value, name=body.name
    )
    return GotOrCreatedContact(contact=contact, created=created)


@router.get("/contacts")
async def list_contacts(
    actor: Reader,
    session: ReadSession,
    cursors: Cursors,
    identifier: Annotated[str | None, Query(min_length=1, max_length=320)] = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    order: Order = "desc",
    cursor: str | None = None,
) -> ContactList:
    contacts, next_cursor = await contact_service.list(
        session,
        actor.workspace_id,
        identifier=identifier,
        tag=tag,
        limit=limit,
        cursor=cursors.decode_optional(cursor),
        order=order,
    )
    return ContactList(data=contacts, next_cursor=cursors.encode_optional(next_cursor))


@router.get("/contacts/{contact_id}")
async def get_contact(contact_id: str, actor: Reader, session: ReadSession) -> Contact:
    return await contact_service.get_or_raise(session, actor.workspace_id, contact_id)


@router.patch("/contacts/{contact_id}")
async def update_contact(
    contact_id: str, body: ContactUpdate, actor: Writer, session: WriteSession
) -> Contact:
    return await contact_service.update(session, actor.workspace_id, contact_id, body)


@router.delete("/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_contact(contact_id: str, actor: Writer, session: WriteSession) -> Response:
    await conversation_service.delete_contact(session, actor.workspace_id, contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
