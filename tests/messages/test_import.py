"""Importing history through ``get_or_create(imported_at=...)``: dated as given, never queued
for delivery, found again by its tags, and never dated ahead or scheduled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hubbub.db.uow import Session
from hubbub.errors import UnprocessableEntity
from hubbub.kit.clock import utcnow
from hubbub.messages.schemas import MessageGetOrCreate
from hubbub.messages.service import message as message_service
from tests.messages.factories import Scene, jobs_for, text


def history(scene: Scene, **fields: object) -> MessageGetOrCreate:
    return MessageGetOrCreate.model_validate(
        {"conversation_id": scene.conversation.id, "payload": text("then"), **fields}
    )


async def test_an_imported_message_is_dated_and_not_queued(scene: Scene, session: Session) -> None:
    then = utcnow() - timedelta(days=3)
    message, created = await message_service.get_or_create(
        session, scene.workspace_id, history(scene), imported_at=then
    )
    assert created is True
    assert (message.created_at, message.status_at, message.status) == (then, then, "sent")
    assert message.updated_at > then
    assert await jobs_for(session, message.id) == []
    stored = await message_service.get_or_raise(session, scene.workspace_id, message.id)
    assert stored.created_at == then


async def test_an_imported_incoming_message_is_delivered(scene: Scene, session: Session) -> None:
    data = history(scene, direction="incoming", author={"type": "contact", "id": scene.contact.id})
    message, _ = await message_service.get_or_create(
        session, scene.workspace_id, data, imported_at=utcnow() - timedelta(hours=1)
    )
    assert message.status == "delivered"
    assert await jobs_for(session, message.id) == []


async def test_reimporting_finds_the_message_and_keeps_its_date(
    scene: Scene, session: Session
) -> None:
    then = utcnow() - timedelta(days=1)
    first, _ = await message_service.get_or_create(
        session, scene.workspace_id, history(scene, tags={"ext": "1"}), imported_at=then
    )
    again, created = await message_service.get_or_create(
        session,
        scene.workspace_id,
        history(scene, tags={"ext": "1"}, payload=text("edited")),
        imported_at=then - timedelta(days=5),
    )
    assert created is False
    assert again.id == first.id
    assert again.created_at == then
    assert again.text == "edited"


async def test_the_future_and_schedules_are_not_history(scene: Scene, session: Session) -> None:
    with pytest.raises(UnprocessableEntity) as future:
        await message_service.get_or_create(
            session, scene.workspace_id, history(scene), imported_at=utcnow() + timedelta(hours=1)
        )
    assert future.value.field == "created_at"
    scheduled = history(scene, scheduled_for=utcnow() + timedelta(hours=1))
    with pytest.raises(UnprocessableEntity) as schedule:
        await message_service.get_or_create(
            session, scene.workspace_id, scheduled, imported_at=utcnow() - timedelta(hours=1)
        )
    assert schedule.value.field == "scheduled_for"


async def test_without_imported_at_a_message_is_queued(scene: Scene, session: Session) -> None:
    message, _ = await message_service.get_or_create(session, scene.workspace_id, history(scene))
    assert message.status == "accepted"
    assert len(await jobs_for(session, message.id)) == 1
