"""A Bird send request (A.3) as a core message create. The rules themselves (contact
auto-create, one receiver outside e-mail, scheduling) are the core's; this module only renames
fields and checks what Bird's schema states."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hubbub.api.bird import defaults
from hubbub.api.bird.bodies import subject_of, to_payload
from hubbub.api.bird.errors import bird_field, details_of
from hubbub.api.bird.schemas import CreateMessage, ReceiverContact
from hubbub.contacts.service import address_of
from hubbub.contacts.service import contact as contact_service
from hubbub.db.uow import Session
from hubbub.errors import HubbubError, NotFound, UnprocessableEntity
from hubbub.kit.clock import utcnow
from hubbub.messages.schemas import Message, MessageCreate, as_utc
from hubbub.messages.service import message as message_service

ORIGIN = "bird"
M = TypeVar("M", bound=BaseModel)


def core_model(model: type[M], values: dict[str, Any]) -> M:
    """Build a core schema from mapped values; its refusal is the client's 422, not our 500."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        fields: dict[str, list[str]] = {}
        for item in error.errors():
            name = bird_field(".".join(str(part) for part in item["loc"]) or "body")
            fields.setdefault(name, []).append(item["msg"])
        first = next(iter(fields))
        raise UnprocessableEntity(
            f"invalid value for '{first}': {fields[first][0]}",
            field=first,
            details={"fields": fields},
        ) from error


async def send(
    session: Session,
    workspace_id: str,
    channel_id: str,
    request: CreateMessage,
    *,
    batch_id: str | None = None,
) -> Message:
    recipients = [
        await _recipient(session, workspace_id, index, contact)
        for index, contact in enumerate(request.receiver.contacts)
    ]
    payload = to_payload(request.body, request.template)
    subject = subject_of(request.body, request.meta)
    private_tags = await _reply_to_tags(session, workspace_id, request)
    data = core_model(
        MessageCreate,
        {
            "channel_id": channel_id,
            "recipients": recipients,
            "payload": payload,
            "subject": subject,
            "tags": dict.fromkeys(request.tags or [], defaults.TAG_VALUE),
            "reference": request.reference,
            "scheduled_for": _scheduled_for(request.scheduledFor),
            "batch_id": batch_id,
            "origin": ORIGIN,
        },
    )
    return await message_service.create(session, workspace_id, data, private_tags=private_tags)


async def _recipient(
    session: Session, workspace_id: str, index: int, contact: ReceiverContact
) -> dict[str, Any]:
    key, value = contact.identifierKey, contact.identifierValue
    if value is None and contact.identifiers:
        key, value = contact.identifiers[0].identifierKey, contact.identifiers[0].identifierValue
    if value is None and contact.platformAddress:
        value = contact.platformAddress
    if value is None and contact.id is not None:
        key, value = await _known_contact(session, workspace_id, index, contact.id)
    # Checked with the whole message, so a bad key is reported as receiver.contacts.N.*.
    return {"key": key.lower() if key else None, "value": value, "type": contact.type or "to"}


async def _known_contact(
    session: Session, workspace_id: str, index: int, contact_id: str
) -> tuple[str, str]:
    field = f"receiver.contacts.{index}.id"
    try:
        found = await contact_service.get_or_raise(session, workspace_id, contact_id)
    except NotFound as error:
        raise UnprocessableEntity("the contact does not exist", field=field) from error
    # No platform key is known here: the core's rule then picks the contact's first identifier.
    address = address_of(found, None)
    if address is None:
        raise UnprocessableEntity("the contact has no identifier to send to", field=field)
    return address.key, address.value


async def _reply_to_tags(
    session: Session, workspace_id: str, request: CreateMessage
) -> dict[str, str]:
    """``replyTo`` has no core field: Bird keeps it in its private tags."""
    if request.replyTo is None:
        return {}
    if request.replyTo.type == "message":
        await _check_replied(session, workspace_id, request.replyTo.id)
    return {
        defaults.REPLY_TO_ID_TAG: request.replyTo.id,
        defaults.REPLY_TO_TYPE_TAG: request.replyTo.type,
    }


async def _check_replied(session: Session, workspace_id: str, message_id: str) -> None:
    try:
        await message_service.get_or_raise(session, workspace_id, message_id)
    except NotFound as error:
        raise UnprocessableEntity(
            "replyTo names no message of this workspace", field="replyTo.id"
        ) from error


def _scheduled_for(value: datetime | None) -> datetime | None:
    scheduled = as_utc(value)
    if scheduled is not None and scheduled > utcnow() + defaults.MAX_SCHEDULE_AHEAD:
        days = defaults.MAX_SCHEDULE_AHEAD.days
        raise UnprocessableEntity(
            f"scheduledFor may be at most {days} days ahead", field="scheduledFor"
        )
    return scheduled


def rejection(index: int, error: HubbubError) -> dict[str, Any]:
    """A batch item that was not accepted, in Bird's error words."""
    code = defaults.ERROR_CODES.get(error.status_code, defaults.INTERNAL_ERROR_CODE)
    return {
        "index": index,
        "status": "rejected",
        "code": code,
        "message": error.message,
        "details": details_of(error),
    }
